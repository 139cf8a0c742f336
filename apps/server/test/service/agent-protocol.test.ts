import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from '../support/test-server';

const etcdLike = (name: string, port: number) => ({
  name,
  kind: 'etcd',
  binary: 'etcd',
  args: [`--name=${name}`, `--listen-client-urls=http://\${address}:${port}`],
  files: [{ path: 'note.txt', content: 'hello', mode: 0o600 }],
  ports: [port],
  probe: { type: 'http', path: '/health', port, intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 },
});

describe('agent protocol across two server replicas', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    // two replicas on the same PostgreSQL schema and Redis prefix, as a scaled-out deployment
    const config = isolatedConfig({ CORRAL_HOST_DISCONNECTED_AFTER: '1s', CORRAL_HOST_LOST_AFTER: '3s', CORRAL_SWEEP_INTERVAL: '250ms' });
    a = await startTestServer(config);
    b = await startTestServer({ ...config });
  });
  afterAll(async () => {
    await b?.close({ keepIsolation: true });
    await a?.close();
  });

  /** A pool host: idle, outside any environment, so the test sets its components directly. */
  async function registerHost(name: string) {
    const admin = apiClient(a.url, a.adminKey);
    const token = (await admin.post(`/v1/pools/${name}/registration-tokens`, {})).body.token;
    const reg = await apiClient(a.url).post('/v1/agent/register', { token, hostname: `${name}-host`, addresses: ['127.0.0.2'] });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ environmentId: null, pool: name });
    return reg.body as { hostId: string; credential: string };
  }

  it('answers at once when newer, wakes a poll on replica B when replica A changes desired state, else times out', async () => {
    const host = await registerHost('poll');
    const agentOnB = apiClient(b.url, host.credential);
    const admin = apiClient(a.url, a.adminKey);

    const initial = await agentOnB.get('/v1/agent/desired?after=0&wait=5');
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ hostId: host.hostId, components: [] });
    const revision = initial.body.revision;

    const started = Date.now();
    const polling = agentOnB.get(`/v1/agent/desired?after=${revision}&wait=20`);
    await new Promise((r) => setTimeout(r, 300));
    const set = await admin.put(`/v1/hosts/${host.hostId}/components`, { components: [etcdLike('etcd', 2379)] });
    expect(set.status).toBe(200);
    expect(set.body.added).toEqual(['etcd']);
    const woke = await polling;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(woke.body.revision).toBeGreaterThan(revision);
    expect(woke.body.components).toEqual([expect.objectContaining({ name: 'etcd', kind: 'etcd', specHash: expect.stringMatching(/^[0-9a-f]{16,}$/) })]);

    // init steps are checked field by field like the rest of the spec; nothing is stored on a 400
    const badStep = { name: 'restore-snapshot', binary: 'etcdutl', args: [], output: '${dataDir}/x', downloads: [{ url: 'http://elsewhere/x', sha256: 'nope', path: '../x' }] };
    const refused = await admin.put(`/v1/hosts/${host.hostId}/components`, { components: [{ ...etcdLike('etcd', 2379), init: [badStep] }] });
    expect(refused.status).toBe(400);
    expect(refused.body.details.map((d: any) => d.field).sort()).toEqual(['components.0.init.0.downloads.0.path', 'components.0.init.0.downloads.0.sha256', 'components.0.init.0.downloads.0.url']);
    expect((await agentOnB.get('/v1/agent/desired')).body.revision).toBe(woke.body.revision);

    // the same spec again changes nothing and wakes nobody
    const same = await admin.put(`/v1/hosts/${host.hostId}/components`, { components: [etcdLike('etcd', 2379)] });
    expect(same.body).toMatchObject({ added: [], changed: [], removed: [] });
    const quietStart = Date.now();
    const quiet = await agentOnB.get(`/v1/agent/desired?after=${woke.body.revision}&wait=1`);
    expect(Date.now() - quietStart).toBeGreaterThanOrEqual(900);
    expect(quiet.body.revision).toBe(woke.body.revision);

    expect((await agentOnB.get('/v1/agent/desired?wait=600')).body.details[0].field).toBe('wait');
    expect((await apiClient(b.url, 'crl_hc_forged').get('/v1/agent/desired')).status).toBe(401);
    // a host credential is not an API key
    expect((await agentOnB.get('/v1/environments')).status).toBe(401);
  });

  it('ingests full status snapshots, records transitions as events, and shows desired and observed side by side', async () => {
    const host = await registerHost('status');
    const admin = apiClient(a.url, a.adminKey);
    const agent = apiClient(b.url, host.credential);
    const set = await admin.put(`/v1/hosts/${host.hostId}/components`, { components: [etcdLike('etcd', 2379)] });
    const specHash = set.body.components[0].desired.specHash;
    const report = (phase: string, healthy: boolean, restarts: number) => ({
      agentVersion: '0.1.0',
      observedRevision: 2,
      components: [{ name: 'etcd', specHash, phase, healthy, restarts, pid: 4242, since: new Date().toISOString(), lastLogLines: ['started'] }],
    });
    expect((await agent.put('/v1/agent/status', report('starting', false, 0))).status).toBe(204);
    expect((await agent.put('/v1/agent/status', report('running', true, 0))).status).toBe(204);
    expect((await agent.put('/v1/agent/status', report('running', true, 0))).status).toBe(204); // idempotent
    expect((await agent.put('/v1/agent/status', report('running', true, 1))).status).toBe(204);

    const view = await admin.get(`/v1/hosts/${host.hostId}`);
    expect(view.body.components).toEqual([
      expect.objectContaining({ name: 'etcd', desired: expect.objectContaining({ specHash }), observed: expect.objectContaining({ phase: 'running', healthy: true, restarts: 1, pid: 4242 }), upToDate: true }),
    ]);
    expect(view.body).toMatchObject({ observedRevision: 2, agentVersion: '0.1.0' });
    expect(view.body.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Connected=True/Heartbeating', 'ComponentsHealthy=True/AllHealthy']);
    // the list shows every host's conditions as its own view does (one query for all hosts); the
    // hosts here fall silent after 1 s, so both are read right after a heartbeat, until no sweep
    // came in between
    const silent = await registerHost('status-silent');
    await admin.put(`/v1/hosts/${silent.hostId}/components`, { components: [etcdLike('etcd', 2381)] });
    const heartbeat = (credential: string, components: unknown[]) => apiClient(b.url, credential).put('/v1/agent/status', { agentVersion: '0.1.0', observedRevision: 2, components });
    const seen = await eventually(async () => {
      await heartbeat(host.credential, report('running', true, 1).components);
      await heartbeat(silent.credential, []);
      const listed = new Map(((await admin.get('/v1/hosts')).body.items as any[]).map((h) => [h.id, h]));
      const views = await Promise.all([host.hostId, silent.hostId].map(async (id) => (await admin.get(`/v1/hosts/${id}`)).body));
      const agree = views.every((v) => v.state === 'active' && JSON.stringify(listed.get(v.id).conditions) === JSON.stringify(v.conditions));
      return agree ? { listed, views } : null;
    }, { timeoutMs: 10_000, what: 'list and host views to agree on conditions' });
    expect(seen!.listed.get(host.hostId).components).toBeUndefined();
    expect(seen!.views[1].conditions[1]).toMatchObject({ type: 'ComponentsHealthy', status: 'False', message: 'not healthy: etcd' });
    const reasons = (await a.sql<{ reason: string }>(`SELECT reason FROM events WHERE host_id = $1 AND component = 'etcd' ORDER BY id`, [host.hostId])).map((e) => e.reason);
    expect(reasons).toEqual(['ComponentStarting', 'ComponentRunning', 'ComponentRestarted']);

    const bad = await agent.put('/v1/agent/status', { agentVersion: '0.1.0', observedRevision: 2, components: [{ name: 'etcd', phase: 'dancing' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: any) => d.field)).toEqual(expect.arrayContaining(['components.0.phase', 'components.0.specHash']));
    expect((await admin.get(`/v1/hosts/${host.hostId}`)).body.components[0].observed.restarts).toBe(1);
    const running = { specHash, phase: 'running', healthy: true, restarts: 9, since: new Date().toISOString() };
    const twice = await agent.put('/v1/agent/status', { agentVersion: '0.1.0', observedRevision: 2, components: [{ name: 'etcd', ...running }, { name: 'etcd', ...running }] });
    expect(twice.status).toBe(400);
    expect(twice.body.details).toEqual([{ field: 'components', message: 'components must not name a component twice' }]);
    expect((await admin.get(`/v1/hosts/${host.hostId}`)).body.components[0].observed.restarts).toBe(1);
  });

  it('marks a silent host disconnected, then lost, and active again when heard from', async () => {
    const host = await registerHost('silent');
    const admin = apiClient(a.url, a.adminKey);
    await eventually(async () => (await admin.get(`/v1/hosts/${host.hostId}`)).body.state === 'lost', { timeoutMs: 10000, what: 'the host to be lost' });
    await apiClient(b.url, host.credential).put('/v1/agent/status', { agentVersion: '0.1.0', observedRevision: 1, components: [] });
    expect((await admin.get(`/v1/hosts/${host.hostId}`)).body.state).toBe('active');
    const reasons = (await a.sql<{ reason: string }>('SELECT reason FROM events WHERE host_id = $1 ORDER BY id', [host.hostId])).map((e) => e.reason);
    const transitions = reasons.filter((r: string) => ['HostDisconnected', 'HostLost', 'HostActive'].includes(r));
    // two replicas sweep, yet each transition is recorded once (a slow step after the report may
    // let the host fall silent again, so only the first three are fixed)
    expect(transitions.slice(0, 3)).toEqual(['HostDisconnected', 'HostLost', 'HostActive']);
  });
});
