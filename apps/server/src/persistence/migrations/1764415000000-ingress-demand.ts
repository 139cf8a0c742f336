import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Ingress demand (corral.dev/scale) the ingress-scale-check last read from an environment,
 * so that the reconcile it enqueues plans from that read instead of listing the Ingresses again.
 */
export class IngressDemand1764415000000 implements MigrationInterface {
  name = 'IngressDemand1764415000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE environments ADD COLUMN ingress_demand jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE environments DROP COLUMN ingress_demand');
  }
}
