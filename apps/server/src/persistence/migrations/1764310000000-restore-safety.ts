import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Restore safety: a restore first takes a 'pre-restore' snapshot of the cluster it replaces,
 * has a deadline after which it fails, and can be cancelled (requested through the API, carried
 * out by the next restore step: 'cancelled').
 */
export class RestoreSafety1764310000000 implements MigrationInterface {
  name = 'RestoreSafety1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE etcd_snapshots DROP CONSTRAINT IF EXISTS etcd_snapshots_trigger_check`);
    await q.query(`ALTER TABLE etcd_snapshots ADD CONSTRAINT etcd_snapshots_trigger_check CHECK (trigger IN ('scheduled', 'manual', 'pre-restore'))`);
    await q.query(`ALTER TABLE etcd_restores DROP CONSTRAINT IF EXISTS etcd_restores_phase_check`);
    await q.query(`ALTER TABLE etcd_restores ADD CONSTRAINT etcd_restores_phase_check CHECK (phase IN ('starting-etcd', 'loading', 'completed', 'failed', 'cancelled'))`);
    await q.query(`ALTER TABLE etcd_restores ADD COLUMN pre_restore_snapshot_id uuid REFERENCES etcd_snapshots(id) ON DELETE SET NULL, ADD COLUMN deadline_at timestamptz, ADD COLUMN cancel_requested_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE etcd_restores DROP COLUMN pre_restore_snapshot_id, DROP COLUMN deadline_at, DROP COLUMN cancel_requested_at`);
    await q.query(`UPDATE etcd_restores SET phase = 'failed' WHERE phase = 'cancelled'`);
    await q.query(`ALTER TABLE etcd_restores DROP CONSTRAINT etcd_restores_phase_check`);
    await q.query(`ALTER TABLE etcd_restores ADD CONSTRAINT etcd_restores_phase_check CHECK (phase IN ('starting-etcd', 'loading', 'completed', 'failed'))`);
    await q.query(`DELETE FROM etcd_snapshots WHERE trigger = 'pre-restore'`);
    await q.query(`ALTER TABLE etcd_snapshots DROP CONSTRAINT etcd_snapshots_trigger_check`);
    await q.query(`ALTER TABLE etcd_snapshots ADD CONSTRAINT etcd_snapshots_trigger_check CHECK (trigger IN ('scheduled', 'manual'))`);
  }
}
