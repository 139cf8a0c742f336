import { COMPONENT_KINDS } from '@corral/contracts';
import { apiClient, createActiveEnvironment } from '@corral/testing';
import { TestServer, eventually, startTestServer } from './support/test-server';
import { startLocalAgents } from './support/local-agents';

jest.setTimeout(300_000);

/**
 * The local fast path seen from the server: kill -9 each kind of component on a one-host
 * environment; the environment goes degraded (naming the component, with its last log lines)
 * and back to active without anything done by the test.
 */
describe('kill -9 of every component kind (one loopback host, real etcd, stand-ins)', () => {
  let server: TestServer;
  let agents: ReturnType<typeof startLocalAgents>;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    server = await startTestServer();
    admin = apiClient(server.url, server.adminKey);
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.close();
  });

  const lastEventId = async () => Number((await server.sql<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM events'))[0].id);
  const eventsSince = (id: number) =>
    server.sql<{ reason: string; message: string; component: string | null; type: string }>('SELECT reason, message, component, type FROM events WHERE id > $1 ORDER BY id', [id]);

  it('each kill degrades the environment with the reason and last log lines, then it returns to active', async () => {
    await createActiveEnvironment(admin, { name: 'crash', startAgents: (token) => (agents = startLocalAgents(1, { server: server.url, token })) });
    const hostId = (await admin.get('/v1/hosts?environment=crash')).body.items[0].id as string;

    const recoveries: Record<string, number> = {};
    for (const kind of COMPONENT_KINDS) {
      const component = (await admin.get(`/v1/hosts/${hostId}`)).body.components.find((c: any) => c.kind === kind);
      expect(component?.observed?.pid).toBeGreaterThan(0);
      const mark = await lastEventId();
      const killedAt = Date.now();
      process.kill(component.observed.pid, 'SIGKILL');

      const degraded = await eventually(async () => (await eventsSince(mark)).find((e) => e.reason === 'StateDegraded')!, { timeoutMs: 30_000, intervalMs: 100, what: `${kind}: environment degraded` });
      expect(degraded.message).toContain(`${kind} on node-1`);
      expect(degraded.message).toMatch(/exited on signal SIGKILL/);
      expect(degraded.message).toContain('last log:');
      await eventually(async () => (await eventsSince(mark)).some((e) => e.reason === 'StateActive'), { timeoutMs: 60_000, intervalMs: 100, what: `${kind}: environment active again` });
      recoveries[kind] = Date.now() - killedAt;

      const events = await eventsSince(mark);
      expect(events.some((e) => e.reason === 'ComponentRestarted' && e.component === component.name)).toBe(true);
      const after = (await admin.get(`/v1/hosts/${hostId}`)).body.components.find((c: any) => c.kind === kind);
      expect(after.observed.pid).not.toBe(component.observed.pid);
      expect(after.observed.restarts).toBe(component.observed.restarts + 1);
      expect(after.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Healthy', status: 'True' })]));
    }
    const env = (await admin.get('/v1/environments/crash')).body;
    expect(env.state).toBe('active');
    console.log(`kill -9 to active again (ms): ${JSON.stringify(recoveries)}`);
  });
});
