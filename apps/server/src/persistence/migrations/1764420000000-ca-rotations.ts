import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CA rotations: one row per rotation of an environment's cluster CA, kept after it ends (its
 * phase timings are the record of it). At most one is active per environment. The new CA's
 * key is sealed like the environment's own PKI (bound to the environment id) and cleared once
 * the new CA has become the environment's CA (or the rotation was cancelled).
 */
export class CaRotations1764420000000 implements MigrationInterface {
  name = 'CaRotations1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ca_rotations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        environment_id uuid NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
        ca text NOT NULL DEFAULT 'cluster' CHECK (ca IN ('cluster')),
        phase text NOT NULL CHECK (phase IN ('trust-both', 'reissue', 'drop-old', 'completed', 'cancelled')),
        new_ca_encrypted text,
        progress jsonb,
        phases jsonb NOT NULL DEFAULT '[]',
        requested_by text,
        started_at timestamptz NOT NULL DEFAULT now(),
        phase_started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX ca_rotations_one_active ON ca_rotations (environment_id) WHERE finished_at IS NULL`);
    await q.query(`CREATE INDEX ca_rotations_environment ON ca_rotations (environment_id, started_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ca_rotations`);
  }
}
