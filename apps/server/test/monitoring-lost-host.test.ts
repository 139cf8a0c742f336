import { HostHarness, HostProcess, agentArgv } from '@corral/test-hosts';
import { EnvironmentPkiService } from '../src/provisioning/environment-pki.service';
import { EtcdClient } from '@corral/kube';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';
import { STAND_IN_BIN } from './support/local-agents';
import { kubectl, placementByHost, runningComponents, totals, waitForState } from './support/monitoring-cluster';

jest.setTimeout(600_000);

const ENV = 'lost';
const sameCounts = (a: Record<string, number>, b: Record<string, number>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
/** what every active host runs once it is available for workers */
const WORKER_KINDS = ['containerd', 'pod-network', 'kubelet', 'kube-proxy', 'cluster-dns'];
const STEADY = { etcd: 3, 'kube-apiserver': 3, 'kube-scheduler': 3, 'kube-controller-manager': 3, 'ingress-controller': 1, kubelet: 4, 'kube-proxy': 4 };

/**
 * The server path, on four hosts in network namespaces with three etcd members: a host whose
 * link is cut is lost, its etcd member is replaced through etcd's members API and its movable
 * components run elsewhere; data survives; the host rejoins without duplicates. Cutting two of
 * three etcd hosts is refused (quorum) until one comes back.
 */
describe('lost hosts and etcd member replacement (4 hosts in namespaces, real etcd)', () => {
  let harness: HostHarness;
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;
  const agents: HostProcess[] = [];
  let envId: string;

  beforeAll(async () => {
    harness = await HostHarness.create({ count: 4 });
    server = await startTestServer(
      isolatedConfig({ CORRAL_BIND_ADDRESS: '0.0.0.0', CORRAL_HOST_DISCONNECTED_AFTER: '3s', CORRAL_HOST_LOST_AFTER: '5s', CORRAL_SWEEP_INTERVAL: '250ms' }),
    );
    admin = apiClient(server.url, server.adminKey);
    envId = (await admin.post('/v1/environments', { name: ENV, etcd: { members: 3 } })).body.id;
    const token = (await admin.post(`/v1/environments/${ENV}/registration-tokens`, { maxUses: 4 })).body.token;
    const serverUrl = server.urlAt(harness.serverAddress);
    for (const host of harness.hosts) {
      agents.push(harness.startProcess(host, agentArgv(host, { server: serverUrl, token, binDir: STAND_IN_BIN, extraArgs: ['--heartbeat-interval', '500ms'] }), { name: 'agent' }));
    }
  });

  afterAll(async () => {
    await harness?.destroy().catch(() => undefined);
    await server?.close();
  });

  const diagnose = async () => JSON.stringify((await placementByHost(admin, ENV, harness)).map((h) => [h.index, h.state, h.view.components.map((c: any) => [c.kind, c.observed?.phase, c.observed?.message?.slice(0, 160)])]));
  const reasonsSince = async (id: number) => (await server.sql<{ reason: string; message: string }>('SELECT reason, message FROM events WHERE environment_id = $1 AND id > $2 ORDER BY id', [envId, id]));
  const lastEventId = async () => Number((await server.sql<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM events'))[0].id);
  const etcdMembers = async (viaIndex: number) => {
    const tls = await server.app.get(EnvironmentPkiService).etcdTls(envId);
    return new EtcdClient([`https://${harness.hosts[viaIndex].address}:2379`], tls!).memberList();
  };

  it('replaces the etcd member and the control plane of a lost host; data survives; the host rejoins without duplicates', async () => {
    await waitForState(admin, ENV, 'active', 180_000, diagnose);
    await kubectl(admin, ENV, harness.workDir, 'create', 'namespace', 'before-cut');
    let placement = await placementByHost(admin, ENV, harness);
    const spare = placement.find((h) => !h.kinds.includes('etcd'))!;
    const victim = placement.filter((h) => h.kinds.includes('etcd')).sort((a, b) => a.index - b.index)[0];
    expect(placement.filter((h) => h.kinds.includes('etcd'))).toHaveLength(3);
    expect(sameCounts(totals(await runningComponents(harness)), STEADY)).toBe(true);

    const mark = await lastEventId();
    const cutAt = Date.now();
    await harness.cutLink(victim.index);
    await eventually(async () => (await reasonsSince(mark)).some((e) => e.reason === 'StateDegraded'), { timeoutMs: 20_000, what: 'degraded' });
    // disconnected alone moves nothing
    await eventually(async () => (await reasonsSince(mark)).some((e) => e.reason === 'HostDisconnected'), { timeoutMs: 20_000, what: 'disconnected' });
    const untilLost = await reasonsSince(mark);
    const lostAt = untilLost.findIndex((e) => e.reason === 'HostLost');
    expect((lostAt < 0 ? untilLost : untilLost.slice(0, lostAt)).filter((e) => e.reason.startsWith('EtcdMember') || e.reason === 'ComponentPlaced')).toEqual([]);

    await waitForState(admin, ENV, 'active', 180_000, diagnose);
    const recoveredMs = Date.now() - cutAt;
    const events = await reasonsSince(mark);
    const order = events.map((e) => e.reason).filter((r) => ['HostLost', 'EtcdMemberRemoved', 'EtcdMemberAdded'].includes(r));
    expect(order).toEqual(['HostLost', 'EtcdMemberRemoved', 'EtcdMemberAdded']);
    expect(events.filter((e) => e.reason === 'ComponentPlaced').map((e) => e.message).join('\n')).toContain('kube-apiserver');

    placement = await placementByHost(admin, ENV, harness);
    expect(placement.find((h) => h.id === victim.id)!.kinds).toEqual([]);
    expect(placement.find((h) => h.id === spare.id)!.kinds).toEqual(expect.arrayContaining(['etcd', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager']));
    const members = await etcdMembers(spare.index);
    expect(members).toHaveLength(3);
    expect(members.map((m) => m.peerUrls[0])).not.toContain(`https://${harness.hosts[victim.index].address}:2380`);
    expect(members.map((m) => m.peerUrls[0])).toContain(`https://${harness.hosts[spare.index].address}:2380`);
    expect(await kubectl(admin, ENV, harness.workDir, 'get', 'namespaces', '-o', 'name')).toContain('namespace/before-cut');

    // the old host comes back: it runs a kubelet and kube-proxy again, and nothing twice
    await harness.restoreLink(victim.index);
    await eventually(async () => {
      const h = (await placementByHost(admin, ENV, harness)).find((x) => x.id === victim.id)!;
      return h.state === 'active' && h.view.components.length === 5 && h.view.components.every((c: any) => c.observed?.healthy);
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'old host back with containerd, pod-network, kubelet, kube-proxy and cluster-dns' });
    await waitForState(admin, ENV, 'active', 60_000, diagnose);
    let seen: Record<string, number> = {};
    await eventually(async () => sameCounts((seen = totals(await runningComponents(harness))), STEADY), { timeoutMs: 30_000, what: 'exactly one copy of everything' }).catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(seen)}`);
    });
    const perHost = await runningComponents(harness);
    for (const counts of perHost) for (const n of Object.values(counts)) expect(n).toBe(1);
    expect(perHost[victim.index]).toEqual({ kubelet: 1, 'kube-proxy': 1 });
    expect(await etcdMembers(spare.index)).toHaveLength(3);
    console.log(`lost host: cut to active again in ${recoveredMs} ms (lost timeout 5 s)`);
  });

  it('refuses to replace etcd members when two of three are cut off (quorum), and heals when one comes back', async () => {
    const placement = await placementByHost(admin, ENV, harness);
    const [a, b] = placement.filter((h) => h.kinds.includes('etcd')).sort((x, y) => x.index - y.index);
    const mark = await lastEventId();
    await harness.cutLink(a.index);
    await harness.cutLink(b.index);
    await eventually(async () => {
      const env = (await admin.get(`/v1/environments/${ENV}`)).body;
      return env.conditions.find((c: any) => c.type === 'EtcdReady' && c.status === 'False' && c.reason === 'QuorumAtRisk');
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'EtcdReady=False QuorumAtRisk' });
    await eventually(async () => (await reasonsSince(mark)).filter((e) => e.reason === 'HostLost').length === 2, { timeoutMs: 30_000, what: 'both hosts lost' });
    await new Promise((r) => setTimeout(r, 1500)); // six sweeps: nothing more may happen
    const refused = await reasonsSince(mark);
    expect(refused.some((e) => e.reason === 'EtcdMembershipRefused' && /quorum/.test(e.message))).toBe(true);
    expect(refused.filter((e) => e.reason === 'EtcdMemberRemoved' || e.reason === 'EtcdMemberAdded')).toEqual([]);
    const env = (await admin.get(`/v1/environments/${ENV}`)).body;
    expect(env.state).toBe('degraded');
    expect(env.conditions.find((c: any) => c.type === 'EtcdReady').message).toMatch(/quorum/);

    // one member's host comes back: quorum again, so the other lost member is replaced
    await harness.restoreLink(a.index);
    // the replacement is added after the removal; the state can read active in between (seen on a
    // busy machine), so wait for the added member first
    await eventually(async () => (await reasonsSince(mark)).some((e) => e.reason === 'EtcdMemberAdded'), { timeoutMs: 180_000, intervalMs: 250, what: 'the lost member replaced' });
    await waitForState(admin, ENV, 'active', 180_000, diagnose);
    const healed = await reasonsSince(mark);
    expect(healed.filter((e) => e.reason === 'EtcdMemberRemoved')).toHaveLength(1);
    expect(healed.filter((e) => e.reason === 'EtcdMemberAdded')).toHaveLength(1);
    expect(await etcdMembers(a.index)).toHaveLength(3);
    expect(await kubectl(admin, ENV, harness.workDir, 'get', 'namespaces', '-o', 'name')).toContain('namespace/before-cut');
    await harness.restoreLink(b.index);
    await waitForState(admin, ENV, 'active', 120_000, diagnose);
  });

  it('stops repairing when more than half of the hosts are lost at once (maxUnhealthy), and says so', async () => {
    // start from a settled environment: the previous scenario's restored hosts have their worker
    // components back (otherwise that re-placement lands inside this scenario's event window)
    await eventually(async () => {
      const hosts = await placementByHost(admin, ENV, harness);
      const settled = hosts.every((h) => h.state === 'active' && WORKER_KINDS.every((kind) => h.kinds.includes(kind)));
      return settled && (await admin.get(`/v1/environments/${ENV}`)).body.state === 'active';
    }, { timeoutMs: 60_000, what: 'all hosts active with their worker components, environment active' });
    const before = await placementByHost(admin, ENV, harness);
    const mark = await lastEventId();
    const cut = [0, 1, 2];
    for (const i of cut) await harness.cutLink(i);
    await eventually(async () => {
      const env = (await admin.get(`/v1/environments/${ENV}`)).body;
      return env.conditions.find((c: any) => c.type === 'RemediationAllowed' && c.status === 'False' && c.reason === 'TooManyUnhealthy');
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'RemediationAllowed=False TooManyUnhealthy' });
    await eventually(async () => (await reasonsSince(mark)).filter((e) => e.reason === 'HostLost').length === 3, { timeoutMs: 30_000, what: 'three hosts lost' });
    await new Promise((r) => setTimeout(r, 1500)); // six sweeps: nothing more may happen
    const events = await reasonsSince(mark);
    expect(events.filter((e) => e.reason === 'RemediationStopped')).toHaveLength(1);
    expect(events.find((e) => e.reason === 'RemediationStopped')!.message).toMatch(/3 of 4 hosts/);
    expect(events.filter((e) => ['EtcdMemberRemoved', 'EtcdMemberAdded', 'ComponentPlaced', 'ComponentUnplaced'].includes(e.reason))).toEqual([]);
    // nothing was piled onto the one survivor
    const survivor = before.find((h) => h.index === 3)!;
    expect((await placementByHost(admin, ENV, harness)).find((h) => h.id === survivor.id)!.kinds).toEqual(survivor.kinds);

    for (const i of cut) await harness.restoreLink(i);
    await waitForState(admin, ENV, 'active', 120_000, diagnose);
    const env = (await admin.get(`/v1/environments/${ENV}`)).body;
    expect(env.conditions.find((c: any) => c.type === 'RemediationAllowed').status).toBe('True');
    expect(await kubectl(admin, ENV, harness.workDir, 'get', 'namespaces', '-o', 'name')).toContain('namespace/before-cut');
  });
});
