import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { apiClient } from '@corral/testing';
import { TestServer, isolatedConfig, startTestServer } from '../support/test-server';
import { RetentionService } from '../../src/lifecycle/retention.service';
import { CORRAL_QUEUE } from '../../src/queue/jobs';

const CAP = 5;

describe('event retention', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_EVENT_REPEAT_CAP: String(CAP), CORRAL_EVENT_RETENTION: '30d' }));
  });
  afterAll(() => server?.close());

  it('a crash loop keeps at most the cap of events per component and reason, the newest counting every occurrence', async () => {
    const admin = apiClient(server.url, server.adminKey);
    const token = (await admin.post('/v1/pools/loop/registration-tokens', {})).body.token;
    const host = (await apiClient(server.url).post('/v1/agent/register', { token, hostname: 'looper', addresses: ['10.0.0.1'] })).body;
    const agent = apiClient(server.url, host.credential);
    const REPORTS = 4 * CAP;
    for (let restarts = 1; restarts <= REPORTS; restarts++) {
      const phase = restarts % 2 ? 'failed' : 'starting';
      const component = { name: 'etcd', specHash: 'abc', phase, healthy: false, restarts, exitCode: 1, since: new Date().toISOString(), crashLoop: true };
      expect((await agent.put('/v1/agent/status', { agentVersion: 't', observedRevision: 0, components: [component] })).status).toBe(204);
    }
    const rows = await server.sql<{ reason: string; n: number; newest: number }>(
      `SELECT reason, count(*)::int AS n, max(repeat_count) AS newest FROM events WHERE host_id = $1 AND component = 'etcd' GROUP BY reason ORDER BY reason`,
      [host.hostId],
    );
    expect(rows).toEqual([
      { reason: 'ComponentCrashLoop', n: CAP, newest: REPORTS - 1 }, // the first report is no restart yet
      { reason: 'ComponentFailed', n: CAP, newest: REPORTS / 2 },
      { reason: 'ComponentStarting', n: CAP, newest: REPORTS / 2 },
    ]);
    // kept: the newest, in order
    const kept = await server.sql<{ repeat_count: number }>(`SELECT repeat_count FROM events WHERE host_id = $1 AND reason = 'ComponentCrashLoop' ORDER BY id`, [host.hostId]);
    expect(kept.map((r) => r.repeat_count)).toEqual([REPORTS - 5, REPORTS - 4, REPORTS - 3, REPORTS - 2, REPORTS - 1]);
  });

  it('the periodic job prunes events past CORRAL_EVENT_RETENTION and expired idempotency keys', async () => {
    const queue = server.app.get<Queue>(getQueueToken(CORRAL_QUEUE));
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toContain('retention');

    await server.sql(`INSERT INTO events (type, reason, message, created_at) SELECT 'Normal', 'Old', 'old ' || i, now() - interval '31 days' FROM generate_series(1, 25000) i`);
    await server.sql(`INSERT INTO events (type, reason, message, created_at) VALUES ('Normal', 'Recent', 'recent', now() - interval '29 days')`);
    await server.sql(
      `INSERT INTO idempotency_keys (principal_id, key, request_hash, state, expires_at) VALUES
         (gen_random_uuid(), 'expired', 'h', 'done', now() - interval '1 minute'), (gen_random_uuid(), 'fresh', 'h', 'done', now() + interval '1 hour')`,
    );
    const pruned = await server.app.get(RetentionService).prune();
    expect(pruned).toMatchObject({ events: 25000, idempotencyKeys: 1 });
    expect(await server.sql(`SELECT reason FROM events WHERE reason IN ('Old', 'Recent')`)).toEqual([{ reason: 'Recent' }]);
    expect(await server.sql(`SELECT key FROM idempotency_keys`)).toEqual([{ key: 'fresh' }]);
  });
});
