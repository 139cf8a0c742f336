import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event retention: events are pruned by age (CORRAL_EVENT_RETENTION), and one component keeps
 * at most CORRAL_EVENT_REPEAT_CAP events of one reason (a crash loop's restarts): the newest
 * carries how many times that reason occurred (repeat_count), the oldest beyond the cap go.
 */
export class EventRetention1764410000000 implements MigrationInterface {
  name = 'EventRetention1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE events ADD COLUMN repeat_count integer NOT NULL DEFAULT 1`);
    await q.query(`CREATE INDEX events_component_reason ON events (host_id, component, reason, id) WHERE component IS NOT NULL`);
    await q.query(`CREATE INDEX events_created_at ON events (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX events_created_at');
    await q.query('DROP INDEX events_component_reason');
    await q.query('ALTER TABLE events DROP COLUMN repeat_count');
  }
}
