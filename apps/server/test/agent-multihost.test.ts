import { readFileSync } from 'node:fs';
import { HostHarness, HostProcess, agentArgv } from '@corral/test-hosts';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';
import { STAND_IN_BIN } from './support/local-agents';

jest.setTimeout(180_000);

/** A plain-HTTP single-member etcd on the host's own address: the real Debian binary. */
function etcdComponent(extraArgs: string[] = []) {
  return {
    name: 'etcd',
    kind: 'etcd',
    binary: 'etcd',
    args: [
      '--name=member',
      '--data-dir=${dataDir}',
      '--listen-client-urls=http://${address}:2379',
      '--advertise-client-urls=http://${address}:2379',
      '--listen-peer-urls=http://${address}:2380',
      '--initial-advertise-peer-urls=http://${address}:2380',
      '--initial-cluster=member=http://${address}:2380',
      ...extraArgs,
    ],
    files: [],
    ports: [2379, 2380],
    probe: { type: 'http', path: '/health', port: 2379, intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 },
  };
}

describe('agents in network namespaces against the real server (issue 3)', () => {
  let harness: HostHarness;
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;
  const agents: HostProcess[] = [];
  let serverUrl: string;

  beforeAll(async () => {
    harness = await HostHarness.create({ count: 2 });
    server = await startTestServer(
      isolatedConfig({ CORRAL_BIND_ADDRESS: '0.0.0.0', CORRAL_HOST_DISCONNECTED_AFTER: '3s', CORRAL_HOST_LOST_AFTER: '6s', CORRAL_SWEEP_INTERVAL: '500ms' }),
    );
    serverUrl = server.urlAt(harness.serverAddress);
    admin = apiClient(server.url, server.adminKey);
    const token = (await admin.post('/v1/pools/ns-test/registration-tokens', { maxUses: 2 })).body.token;
    for (const host of harness.hosts) {
      agents.push(harness.startProcess(host, agentArgv(host, { server: serverUrl, token, binDir: STAND_IN_BIN, extraArgs: ['--heartbeat-interval', '1s'] }), { name: 'agent' }));
    }
    await eventually(async () => (await admin.get('/v1/hosts?state=active')).body.items.length === 2, { timeoutMs: 30_000, what: 'two registered hosts' });
  });

  afterAll(async () => {
    await harness?.destroy().catch(() => undefined);
    await server?.close();
  });

  const hostIdOf = async (i: number) => (await admin.get('/v1/hosts')).body.items.find((h: any) => h.hostname === harness.hosts[i].namespace).id as string;
  const etcdView = async (hostId: string) => (await admin.get(`/v1/hosts/${hostId}`)).body.components.find((c: any) => c.name === 'etcd');
  const etcdPids = async (i: number) => {
    const pids = await harness.pids(i);
    return pids.filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/usr/bin/etcd');
      } catch {
        return false;
      }
    });
  };

  it('runs real etcd on a host, heals a kill -9, adopts after an agent SIGKILL, restarts once on a spec change, stops on removal', async () => {
    const hostId = await hostIdOf(0);
    expect((await admin.put(`/v1/hosts/${hostId}/components`, { components: [etcdComponent()] })).status).toBe(200);
    const running = await eventually(async () => {
      const c = await etcdView(hostId);
      return c?.observed?.phase === 'running' && c.observed.healthy && c.upToDate ? c : null;
    }, { timeoutMs: 30_000, what: 'etcd running and healthy' });
    expect(await etcdPids(0)).toEqual([running.observed.pid]);

    // the fast path: the agent restarts a crashed component by itself
    process.kill(running.observed.pid, 'SIGKILL');
    const healed = await eventually(async () => {
      const c = await etcdView(hostId);
      return c?.observed?.restarts === 1 && c.observed.healthy && c.observed.pid !== running.observed.pid ? c : null;
    }, { timeoutMs: 30_000, what: 'etcd restarted once and healthy' });
    const reasons = (await server.sql<{ reason: string }>(`SELECT reason FROM events WHERE host_id = $1 AND component = 'etcd' ORDER BY id`, [hostId])).map((e) => e.reason);
    expect(reasons).toContain('ComponentRestarted');

    // the agent dies hard and comes back: same host, etcd adopted, not started twice
    agents[0] = await harness.restartProcess(agents[0], { signal: 'SIGKILL' });
    await new Promise((r) => setTimeout(r, 3000));
    const adopted = await eventually(async () => {
      const c = await etcdView(hostId);
      return c?.observed?.healthy && c.observed.pid === healed.observed.pid ? c : null;
    }, { timeoutMs: 20_000, what: 'etcd adopted by the restarted agent' });
    expect(await etcdPids(0)).toEqual([adopted.observed.pid]);
    expect((await admin.get('/v1/hosts')).body.items).toHaveLength(2);
    expect(readFileSync(agents[0].logFile, 'utf8')).not.toMatch(/EADDRINUSE|address already in use/);

    // a spec change restarts it exactly once
    expect((await admin.put(`/v1/hosts/${hostId}/components`, { components: [etcdComponent(['--heartbeat-interval=200'])] })).body.changed).toEqual(['etcd']);
    const changed = await eventually(async () => {
      const c = await etcdView(hostId);
      return c?.upToDate && c.observed.healthy && c.observed.pid !== adopted.observed.pid ? c : null;
    }, { timeoutMs: 30_000, what: 'etcd restarted with the new spec' });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await etcdView(hostId)).observed.pid).toBe(changed.observed.pid);
    expect(await etcdPids(0)).toEqual([changed.observed.pid]);

    // removal stops it and leaves no process behind
    expect((await admin.put(`/v1/hosts/${hostId}/components`, { components: [] })).body.removed).toEqual(['etcd']);
    await eventually(async () => (await admin.get(`/v1/hosts/${hostId}`)).body.components.length === 0, { timeoutMs: 30_000, what: 'etcd gone from the report' });
    expect(await etcdPids(0)).toEqual([]);
  });

  it('marks a host whose link is cut disconnected, then lost, and active again when the link is back', async () => {
    const hostId = await hostIdOf(1);
    const state = async () => (await admin.get(`/v1/hosts/${hostId}`)).body.state;
    expect(await state()).toBe('active');
    const cutAt = Date.now();
    await harness.cutLink(1);
    await eventually(async () => (await state()) === 'disconnected', { timeoutMs: 10_000, intervalMs: 200, what: 'disconnected' });
    const disconnectedAfter = Date.now() - cutAt;
    await eventually(async () => (await state()) === 'lost', { timeoutMs: 15_000, intervalMs: 200, what: 'lost' });
    const lostAfter = Date.now() - cutAt;
    // threshold + heartbeat interval + slack for sweeps and polls on a loaded machine
    expect(disconnectedAfter).toBeLessThan(3000 + 1000 + 4000);
    expect(lostAfter).toBeGreaterThanOrEqual(6000 - 1000 - 1000); // the last heartbeat came at most an interval (plus a late tick) before the cut
    expect(lostAfter).toBeLessThan(6000 + 1000 + 4000);
    await harness.restoreLink(1);
    await eventually(async () => (await state()) === 'active', { timeoutMs: 30_000, intervalMs: 200, what: 'active again' });
    const reasons = (await server.sql<{ reason: string }>('SELECT reason FROM events WHERE host_id = $1 ORDER BY id', [hostId])).map((e) => e.reason);
    const hostReasons = reasons.filter((r) => r.startsWith('Host'));
    expect(hostReasons[0]).toBe('HostRegistered');
    expect(hostReasons.slice(-3)).toEqual(['HostDisconnected', 'HostLost', 'HostActive']);
  });
});
