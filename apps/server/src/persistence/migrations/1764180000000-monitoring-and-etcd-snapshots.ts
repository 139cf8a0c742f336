import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Host state transition times (for the Connected condition), etcd snapshots stored by the
 * server with their checksum, and etcd restores (one in progress per environment).
 */
export class MonitoringAndEtcdSnapshots1764180000000 implements MigrationInterface {
  name = 'MonitoringAndEtcdSnapshots1764180000000';

  async up(q: QueryRunner): Promise<void> {
    // kept by the database so that every writer of hosts.state records the time without knowing
    await q.query(`ALTER TABLE hosts ADD COLUMN state_changed_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`UPDATE hosts SET state_changed_at = created_at`);
    await q.query(`
      CREATE FUNCTION hosts_state_changed_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.state IS DISTINCT FROM OLD.state THEN NEW.state_changed_at := now(); END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER hosts_state_changed_at BEFORE UPDATE OF state ON hosts FOR EACH ROW EXECUTE FUNCTION hosts_state_changed_at()`);

    await q.query(`
      CREATE TABLE etcd_snapshots (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        environment_id uuid NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
        trigger text NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
        state text NOT NULL CHECK (state IN ('pending', 'completed', 'failed')),
        message text,
        size_bytes bigint,
        sha256 text,
        etcd_revision bigint,
        etcd_member text,
        data bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await q.query(`CREATE INDEX etcd_snapshots_environment ON etcd_snapshots (environment_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE etcd_restores (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        environment_id uuid NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
        snapshot_id uuid REFERENCES etcd_snapshots(id) ON DELETE SET NULL,
        generation int NOT NULL,
        phase text NOT NULL CHECK (phase IN ('starting-etcd', 'completed', 'failed')),
        message text,
        keys_restored int,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        UNIQUE (environment_id, generation)
      )`);
    await q.query(`CREATE UNIQUE INDEX etcd_restores_one_active ON etcd_restores (environment_id) WHERE phase = 'starting-etcd'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS etcd_restores`);
    await q.query(`DROP TABLE IF EXISTS etcd_snapshots`);
    await q.query(`DROP TRIGGER IF EXISTS hosts_state_changed_at ON hosts`);
    await q.query(`DROP FUNCTION IF EXISTS hosts_state_changed_at()`);
    await q.query(`ALTER TABLE hosts DROP COLUMN state_changed_at`);
  }
}
