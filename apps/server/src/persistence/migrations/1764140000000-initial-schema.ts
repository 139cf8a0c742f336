import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764140000000 implements MigrationInterface {
  name = 'InitialSchema1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE environments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        kubernetes_version text NOT NULL,
        state text NOT NULL,
        state_reason text,
        conditions jsonb NOT NULL DEFAULT '[]',
        labels jsonb NOT NULL DEFAULT '{}',
        networking jsonb NOT NULL,
        etcd_members int NOT NULL,
        ttl_seconds int,
        expires_at timestamptz,
        generation int NOT NULL DEFAULT 1,
        observed_generation int NOT NULL DEFAULT 0,
        secrets_encrypted text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX environments_name_live ON environments (name) WHERE state <> 'deleted'`);
    await q.query(`CREATE INDEX environments_created ON environments (created_at, id)`);
    await q.query(`CREATE INDEX environments_labels ON environments USING gin (labels)`);
    await q.query(`
      CREATE TABLE registration_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        environment_id uuid REFERENCES environments(id) ON DELETE CASCADE,
        pool text,
        secret_hash text NOT NULL UNIQUE,
        expires_at timestamptz,
        max_uses int,
        uses int NOT NULL DEFAULT 0,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((environment_id IS NULL) <> (pool IS NULL))
      )`);
    await q.query(`
      CREATE TABLE hosts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        environment_id uuid REFERENCES environments(id) ON DELETE SET NULL,
        pool text,
        hostname text NOT NULL,
        addresses text[] NOT NULL,
        labels jsonb NOT NULL DEFAULT '{}',
        roles text[] NOT NULL DEFAULT '{}',
        agent_version text,
        state text NOT NULL,
        last_heartbeat_at timestamptz,
        credential_hash text NOT NULL UNIQUE,
        desired_revision bigint NOT NULL DEFAULT 1,
        observed_revision bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX hosts_environment ON hosts (environment_id)`);
    await q.query(`CREATE INDEX hosts_heartbeat ON hosts (state, last_heartbeat_at)`);
    await q.query(`
      CREATE TABLE components (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        environment_id uuid REFERENCES environments(id) ON DELETE CASCADE,
        host_id uuid NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        name text NOT NULL,
        kind text NOT NULL,
        spec jsonb NOT NULL,
        spec_hash text NOT NULL,
        generation int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (host_id, name)
      )`);
    await q.query(`CREATE INDEX components_environment ON components (environment_id)`);
    await q.query(`
      CREATE TABLE component_statuses (
        host_id uuid NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        name text NOT NULL,
        spec_hash text NOT NULL,
        phase text NOT NULL,
        healthy boolean NOT NULL,
        restarts int NOT NULL DEFAULT 0,
        pid int,
        exit_code int,
        message text,
        crash_loop boolean NOT NULL DEFAULT false,
        last_log_lines jsonb NOT NULL DEFAULT '[]',
        since timestamptz NOT NULL,
        reported_at timestamptz NOT NULL,
        PRIMARY KEY (host_id, name)
      )`);
    await q.query(`
      CREATE TABLE events (
        id bigserial PRIMARY KEY,
        environment_id uuid,
        host_id uuid,
        component text,
        type text NOT NULL,
        reason text NOT NULL,
        message text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX events_environment ON events (environment_id, id)`);
    await q.query(`CREATE INDEX events_host ON events (host_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['events', 'component_statuses', 'components', 'hosts', 'registration_tokens', 'environments', 'api_keys']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
