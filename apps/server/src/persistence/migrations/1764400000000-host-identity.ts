import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Host identity: a hostname is held by one live host per environment and per pool (it becomes
 * the Kubernetes node name, and its kubelet credentials are `system:node:<hostname>`); a
 * registration token may bind the roles its hosts may take; a host remembers the token and the
 * agent's registration id, so a registration whose answer was lost can be retried.
 *
 * Hosts that already share a name are left as they are (none changes state): all but the one
 * heard from last are marked `hostname_shared`, outside the unique indexes. New registrations
 * still see them as holders.
 */
export class HostIdentity1764400000000 implements MigrationInterface {
  name = 'HostIdentity1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registration_tokens ADD COLUMN roles text[]`);
    await q.query(`
      ALTER TABLE hosts
        ADD COLUMN registration_token_id uuid REFERENCES registration_tokens(id) ON DELETE SET NULL,
        ADD COLUMN registration_key_hash text,
        ADD COLUMN hostname_shared boolean NOT NULL DEFAULT false`);
    for (const scope of ['environment_id', 'pool']) {
      await q.query(`
        UPDATE hosts SET hostname_shared = true
         WHERE id IN (
           SELECT id FROM (
             SELECT id, row_number() OVER (PARTITION BY ${scope}, hostname ORDER BY last_heartbeat_at DESC NULLS LAST, created_at DESC, id) AS n
               FROM hosts WHERE ${scope} IS NOT NULL AND state <> 'removed') ranked
            WHERE n > 1)`);
    }
    await q.query(`CREATE UNIQUE INDEX hosts_environment_hostname ON hosts (environment_id, hostname) WHERE environment_id IS NOT NULL AND state <> 'removed' AND NOT hostname_shared`);
    await q.query(`CREATE UNIQUE INDEX hosts_pool_hostname ON hosts (pool, hostname) WHERE pool IS NOT NULL AND state <> 'removed' AND NOT hostname_shared`);
    await q.query(`CREATE INDEX hosts_registration_key ON hosts (registration_key_hash) WHERE registration_key_hash IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX hosts_registration_key');
    await q.query('DROP INDEX hosts_pool_hostname');
    await q.query('DROP INDEX hosts_environment_hostname');
    await q.query('ALTER TABLE hosts DROP COLUMN hostname_shared, DROP COLUMN registration_key_hash, DROP COLUMN registration_token_id');
    await q.query('ALTER TABLE registration_tokens DROP COLUMN roles');
  }
}
