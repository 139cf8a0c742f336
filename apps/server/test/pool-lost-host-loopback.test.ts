import { processesUnder, startLoopbackAgents } from '@corral/test-hosts';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';

jest.setTimeout(300_000);

const ENV = 'pooled';

/**
 * A CI environment made of pool hosts keeps the size it asked for: a lost host is replaced by
 * an idle one from the pool (its etcd member and control plane move there), and when the lost
 * host comes back the surplus goes back to the pool, wiped, instead of staying claimed.
 */
describe('a pool environment replaces a lost host from the pool (loopback agents, real etcd, stand-ins)', () => {
  let server: TestServer;
  let agents: ReturnType<typeof startLoopbackAgents>;

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_HOST_DISCONNECTED_AFTER: '3s', CORRAL_HOST_LOST_AFTER: '5s', CORRAL_SWEEP_INTERVAL: '500ms' }));
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.close();
  });

  const sqlHosts = () => server.sql<{ id: string; hostname: string; state: string; environment_id: string | null }>('SELECT id, hostname, state, environment_id FROM hosts ORDER BY hostname');
  const kindsOn = async (hostId: string) => (await server.sql<{ kind: string }>('SELECT kind FROM components WHERE host_id = $1 ORDER BY kind', [hostId])).map((c) => c.kind);
  const events = async (reason: string) => server.sql<{ host_id: string; message: string }>('SELECT host_id, message FROM events WHERE reason = $1 ORDER BY id', [reason]);

  it('claims a replacement for a lost host, becomes active on it, and returns the surplus host to the pool when the lost one is back', async () => {
    const admin = apiClient(server.url, server.adminKey);
    const token = (await admin.post('/v1/pools/ci/registration-tokens', { maxUses: 4 })).body.token;
    agents = startLoopbackAgents(4, { server: server.url, token, extraArgs: ['--heartbeat-interval', '500ms'] });
    const pool = async () => (await admin.get('/v1/pools/ci')).body;
    await eventually(async () => (await pool()).hosts?.idle === 4, { timeoutMs: 60_000, intervalMs: 250, what: '4 idle pool hosts' });

    const created = await admin.post('/v1/environments', { name: ENV, hosts: { pool: 'ci', count: 3 }, etcd: { members: 3 } });
    expect(created.status).toBe(201);
    const envId = created.body.id as string;
    const state = async () => (await admin.get(`/v1/environments/${ENV}`)).body;
    await eventually(async () => (await state()).state === 'active', { timeoutMs: 180_000, intervalMs: 500, what: `${ENV} active` });

    const before = await sqlHosts();
    const spare = before.find((h) => h.environment_id === null)!;
    const victim = before.find((h) => h.environment_id === envId)!;
    expect(before.filter((h) => h.environment_id === envId)).toHaveLength(3);
    expect(await kindsOn(victim.id)).toContain('etcd');
    const victimIndex = agents.agents.findIndex((a) => a.name === victim.hostname);

    // the agent dies with the machine's heartbeat; its components are left running (as on a real host cut off)
    agents.agents[victimIndex].process.kill('SIGKILL');
    await eventually(async () => (await events('HostLost')).some((e) => e.host_id === victim.id), { timeoutMs: 30_000, intervalMs: 250, what: 'the victim lost' });
    await eventually(async () => (await events('HostClaimed')).some((e) => e.host_id === spare.id), { timeoutMs: 30_000, intervalMs: 250, what: 'the spare claimed as a replacement' });
    await eventually(
      async () => {
        const env = await state();
        const kinds = await kindsOn(spare.id);
        return env.state === 'active' && kinds.includes('etcd') && kinds.includes('kubelet');
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${ENV} active again with etcd on the replacement` },
    );
    expect(await kindsOn(victim.id)).toEqual([]);
    const etcdHosts = await server.sql<{ host_id: string }>(`SELECT host_id FROM components WHERE environment_id = $1 AND kind = 'etcd'`, [envId]);
    expect(etcdHosts.map((c) => c.host_id).sort()).toEqual(before.filter((h) => h.id !== victim.id).map((h) => h.id).sort());

    // the lost host comes back: it is surplus now, goes back to the pool and is wiped
    agents.restart(victimIndex);
    await eventually(async () => (await events('HostReleased')).some((e) => e.host_id === victim.id), { timeoutMs: 60_000, intervalMs: 250, what: 'the returned host released' });
    await eventually(async () => (await pool()).hosts?.idle === 1, { timeoutMs: 60_000, intervalMs: 250, what: 'the returned host idle in the pool' });
    expect(await pool()).toEqual({ name: 'ci', hosts: { total: 4, idle: 1, claimed: 3, unavailable: 0 }, waitingEnvironments: 0 });
    const after = await sqlHosts();
    expect(after.find((h) => h.id === victim.id)).toMatchObject({ state: 'active', environment_id: null });
    expect(after.filter((h) => h.environment_id === envId).map((h) => h.id).sort()).toEqual(before.filter((h) => h.id !== victim.id).map((h) => h.id).sort());
    await eventually(async () => (await state()).state === 'active', { timeoutMs: 60_000, intervalMs: 500, what: `${ENV} still active` });
    // nothing of the environment is left running on the released host
    const victimDir = agents.agents[victimIndex].stateDir;
    expect(processesUnder(victimDir).filter((line) => !line.includes('corral-agent') && !line.includes('apps/agent'))).toEqual([]);
    expect(await server.sql('SELECT 1 FROM component_statuses WHERE host_id = $1', [victim.id])).toEqual([]);
  });
});
