import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleted environments stay (state 'deleted', deleted_at) with their snapshots until purged
 * after CORRAL_DELETED_RETENTION; this index finds the ones due.
 */
export class DeletedEnvironmentRetention1764320000000 implements MigrationInterface {
  name = 'DeletedEnvironmentRetention1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX environments_deleted_at ON environments (deleted_at) WHERE state = 'deleted'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX environments_deleted_at`);
  }
}
