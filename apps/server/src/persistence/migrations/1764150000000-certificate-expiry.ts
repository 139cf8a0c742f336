import { MigrationInterface, QueryRunner } from 'typeorm';

export class CertificateExpiry1764150000000 implements MigrationInterface {
  name = 'CertificateExpiry1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE environments ADD COLUMN certificates_expire_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE environments DROP COLUMN certificates_expire_at`);
  }
}
