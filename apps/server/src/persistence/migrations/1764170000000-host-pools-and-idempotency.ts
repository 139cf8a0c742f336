import { MigrationInterface, QueryRunner } from 'typeorm';

/** Environments that take their hosts from a pool; idle pool hosts found fast; Idempotency-Key records. */
export class HostPoolsAndIdempotency1764170000000 implements MigrationInterface {
  name = 'HostPoolsAndIdempotency1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE environments ADD COLUMN host_pool text, ADD COLUMN host_count int, ADD COLUMN host_label_selector text, ADD COLUMN wait_for_hosts boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE environments ADD CONSTRAINT environments_host_claim CHECK ((host_pool IS NULL) = (host_count IS NULL))`);
    await q.query(`CREATE INDEX environments_host_pool ON environments (host_pool, created_at) WHERE host_pool IS NOT NULL`);
    await q.query(`CREATE INDEX environments_expiry ON environments (expires_at) WHERE expires_at IS NOT NULL`);
    await q.query(`CREATE INDEX hosts_pool_idle ON hosts (pool, created_at, id) WHERE pool IS NOT NULL AND environment_id IS NULL`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        principal_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL CHECK (state IN ('in-flight', 'done')),
        response_status int,
        response_body text,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (principal_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS idempotency_keys`);
    await q.query(`DROP INDEX IF EXISTS hosts_pool_idle`);
    await q.query(`DROP INDEX IF EXISTS environments_expiry`);
    await q.query(`DROP INDEX IF EXISTS environments_host_pool`);
    await q.query(`ALTER TABLE environments DROP CONSTRAINT IF EXISTS environments_host_claim`);
    await q.query(`ALTER TABLE environments DROP COLUMN wait_for_hosts, DROP COLUMN host_label_selector, DROP COLUMN host_count, DROP COLUMN host_pool`);
  }
}
