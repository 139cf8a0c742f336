import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * etcd snapshots move out of the table into a snapshot store (a directory or an S3 bucket),
 * sealed: a row keeps the object's key, the id of the key that sealed it, and the key count
 * etcd reported. `data` stays for snapshots taken before, until `npm run rewrap` moves them.
 */
export class SealedSnapshotStore1764300000000 implements MigrationInterface {
  name = 'SealedSnapshotStore1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE etcd_snapshots ADD COLUMN storage_key text, ADD COLUMN sealed_key_id text, ADD COLUMN key_count int`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE etcd_snapshots DROP COLUMN storage_key, DROP COLUMN sealed_key_id, DROP COLUMN key_count`);
  }
}
