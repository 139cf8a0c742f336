import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';
import { MonitoringService } from '../src/monitoring/monitoring.service';
import { startLocalAgents } from './support/local-agents';
import { kubectl, waitForState } from './support/monitoring-cluster';

jest.setTimeout(420_000);

const ENV = 'snap';

/**
 * etcd snapshots and restore, and certificate rotation, on three loopback hosts with a
 * three-member etcd: snapshot, delete namespaces, restore into a fresh etcd cluster, the
 * namespaces are back; rotate every leaf certificate one component at a time.
 */
describe('etcd snapshots, restore and certificate rotation (3 loopback hosts, real etcd)', () => {
  let server: TestServer;
  let agents: ReturnType<typeof startLocalAgents>;
  let admin: ReturnType<typeof apiClient>;
  let envId: string;
  const dir = mkdtempSync(join(tmpdir(), 'corral-snap-test-'));

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_ETCD_SNAPSHOT_INTERVAL: '4s', CORRAL_ETCD_SNAPSHOT_KEEP: '1' }));
    admin = apiClient(server.url, server.adminKey);
    envId = (await admin.post('/v1/environments', { name: ENV, etcd: { members: 3 } })).body.id;
    const token = (await admin.post(`/v1/environments/${ENV}/registration-tokens`, { maxUses: 3 })).body.token;
    agents = startLocalAgents(3, { server: server.url, token, extraArgs: ['--heartbeat-interval', '1s'] });
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const namespaces = async () => (await kubectl(admin, ENV, dir, 'get', 'namespaces', '-o', 'name')).split('\n').filter(Boolean);
  const events = (after = 0) => server.sql<{ id: string; reason: string; message: string; component: string | null; host_id: string | null }>('SELECT id, reason, message, component, host_id FROM events WHERE environment_id = $1 AND id > $2 ORDER BY id', [envId, after]);
  const lastEventId = async () => Number((await server.sql<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM events'))[0].id);
  const diagnose = async () => JSON.stringify((await events()).slice(-25).map((e) => `${e.reason}: ${e.message.slice(0, 160)}`), null, 1);

  it('snapshot, delete namespaces, restore: the namespaces are back', async () => {
    await waitForState(admin, ENV, 'active', 120_000, diagnose);
    await kubectl(admin, ENV, dir, 'create', 'namespace', 'keep-1');
    await kubectl(admin, ENV, dir, 'create', 'namespace', 'keep-2');
    const resourceVersion = (ns: string) => kubectl(admin, ENV, dir, 'get', 'namespace', ns, '-o', 'jsonpath={.metadata.resourceVersion}');
    const keptVersion = await resourceVersion('keep-1');

    const requested = await admin.post(`/v1/environments/${ENV}/snapshots`);
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ state: 'pending', trigger: 'manual' });
    const snapshot = await eventually(async () => {
      const s = (await admin.get(`/v1/environments/${ENV}/snapshots/${requested.body.id}`)).body;
      return s.state === 'completed' ? s : s.state === 'failed' ? Promise.reject(new Error(s.message)) : null;
    }, { timeoutMs: 30_000, what: 'snapshot completed' });
    expect(snapshot.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(snapshot.sizeBytes).toBeGreaterThan(4096);
    expect(snapshot.etcdRevision).toBeGreaterThan(1);
    // sealed in the snapshot store, not in the table; the download is the database etcd sent
    const [row] = await server.sql<{ data: Buffer | null; storage_key: string | null }>(`SELECT data, storage_key FROM etcd_snapshots WHERE id = $1`, [snapshot.id]);
    expect(row).toEqual({ data: null, storage_key: expect.stringMatching(new RegExp(`^${envId}/${snapshot.id}\\.[0-9a-f]{8}\\.etcd\\.sealed$`)) });
    const download = await fetch(`${server.url}/v1/environments/${ENV}/snapshots/${snapshot.id}/data`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    expect(createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex')).toBe(snapshot.sha256);
    expect((await admin.get(`/v1/environments/${ENV}/snapshots`)).body.items.map((s: any) => s.id)).toContain(snapshot.id);

    await kubectl(admin, ENV, dir, 'delete', 'namespace', 'keep-1', 'keep-2', '--wait=false');
    await kubectl(admin, ENV, dir, 'create', 'namespace', 'after-snapshot');
    await eventually(async () => !(await namespaces()).includes('namespace/keep-1'), { timeoutMs: 30_000, what: 'namespaces deleted' });

    const mark = await lastEventId();
    expect((await admin.post(`/v1/environments/${ENV}/restore`, { snapshotId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    const restore = await admin.post(`/v1/environments/${ENV}/restore`, { snapshotId: snapshot.id });
    expect(restore.status).toBe(202);
    expect(restore.body).toMatchObject({ generation: 1, phase: 'starting-etcd' });
    expect((await admin.post(`/v1/environments/${ENV}/restore`, { snapshotId: snapshot.id })).status).toBe(409);

    await eventually(async () => (await events(mark)).some((e) => e.reason === 'EtcdRestored'), { timeoutMs: 120_000, intervalMs: 500, what: 'restore loaded' }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await diagnose()}`);
    });
    await waitForState(admin, ENV, 'active', 120_000, diagnose);
    const after = await eventually(async () => {
      const list = await namespaces().catch((): string[] => []);
      return list.includes('namespace/keep-1') ? list : null;
    }, { timeoutMs: 30_000, what: 'namespaces restored' });
    expect(after).toEqual(expect.arrayContaining(['namespace/keep-1', 'namespace/keep-2']));
    expect(after).not.toContain('namespace/after-snapshot');
    // etcdutl restored the revisions too: an object's resourceVersion is what it was, not a new one
    expect(await resourceVersion('keep-1')).toBe(keptVersion);
    const restored = (await events(mark)).find((e) => e.reason === 'EtcdRestored')!;
    expect(restored.message).toMatch(new RegExp(`with etcdutl: \\d+ keys, revision \\d+ \\(snapshot revision ${snapshot.etcdRevision}\\)`));

    const restores = (await admin.get(`/v1/environments/${ENV}/restores`)).body.items;
    expect(restores[0]).toMatchObject({ phase: 'completed', snapshotId: snapshot.id, preRestoreSnapshotId: expect.any(String) });
    // the cluster it replaced was snapshotted first, and that snapshot stays (not pruned)
    const safety = (await admin.get(`/v1/environments/${ENV}/snapshots/${restores[0].preRestoreSnapshotId}`)).body;
    expect(safety).toMatchObject({ trigger: 'pre-restore', state: 'completed' });
    expect(safety.etcdRevision).toBeGreaterThanOrEqual(snapshot.etcdRevision);
    expect(restores[0].keysRestored).toBeGreaterThan(5);
    const env = (await admin.get(`/v1/environments/${ENV}`)).body;
    expect(env.conditions.find((c: any) => c.type === 'Restoring')).toMatchObject({ status: 'False', reason: 'Restored' });
    // every member belongs to the fresh cluster
    const specs = await server.sql<{ spec: { args: string[] } }>(`SELECT spec FROM components WHERE environment_id = $1 AND kind = 'etcd'`, [envId]);
    expect(specs).toHaveLength(3);
    for (const s of specs) expect(s.spec.args).toContain(`--initial-cluster-token=corral-${envId}-g1`);
    const restoredBy = specs.map((s) => (s.spec as { init?: { name: string; downloads: { url: string }[] }[] }).init?.[0]);
    expect(restoredBy.map((step) => step?.downloads[0]?.url)).toEqual(specs.map(() => `/v1/agent/etcd-snapshots/${snapshot.id}/data`));
  });

  it('takes scheduled snapshots when due and keeps the configured number', async () => {
    await waitForState(admin, ENV, 'active', 60_000, diagnose);
    const scheduled = async () => (await admin.get(`/v1/environments/${ENV}/snapshots`)).body.items.filter((s: any) => s.trigger === 'scheduled');
    const monitor = server.app.get(MonitoringService);
    const first = await eventually(async () => {
      await monitor.tick();
      const done = (await scheduled()).filter((s: any) => s.state === 'completed');
      return done.length ? done[0] : null;
    }, { timeoutMs: 60_000, intervalMs: 1000, what: 'a scheduled snapshot' });
    await eventually(async () => {
      await monitor.tick();
      const list = await scheduled();
      return list.length === 1 && list[0].id !== first.id && list[0].state === 'completed';
    }, { timeoutMs: 60_000, intervalMs: 1000, what: 'the next scheduled snapshot, the older one pruned (keep 1)' });
    // manual snapshots are not pruned
    expect((await admin.get(`/v1/environments/${ENV}/snapshots`)).body.items.filter((s: any) => s.trigger === 'manual')).toHaveLength(1);
  });

  it('rotates every leaf certificate, restarting one healthy component at a time', async () => {
    await waitForState(admin, ENV, 'active', 60_000, diagnose);
    const before = (await admin.get(`/v1/environments/${ENV}/certificates`)).body.items as { name: string; host: string | null; serialNumber: string }[];
    // containerd and the pod network hold no certificate: they keep their specs
    const certified = `SELECT id, spec_hash FROM components WHERE environment_id = $1 AND kind NOT IN ('containerd', 'pod-network')`;
    const hashesBefore = await server.sql<{ id: string; spec_hash: string }>(certified, [envId]);
    const mark = await lastEventId();
    const rotated = await admin.post(`/v1/environments/${ENV}/rotate-certificates`);
    expect(rotated.status).toBe(202);
    expect(rotated.body.rotating).toBeGreaterThan(20);

    await eventually(async () => {
      const now = await server.sql<{ id: string; spec_hash: string }>(certified, [envId]);
      const changed = now.filter((c) => hashesBefore.find((b) => b.id === c.id)?.spec_hash !== c.spec_hash);
      return changed.length === hashesBefore.length && (await admin.get(`/v1/environments/${ENV}`)).body.state === 'active';
    }, { timeoutMs: 240_000, intervalMs: 1000, what: 'every component on new certificates and active' }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await diagnose()}`);
    });

    const after = (await admin.get(`/v1/environments/${ENV}/certificates`)).body.items as typeof before;
    const serialOf = (list: typeof before, name: string, host: string | null) => list.find((c) => c.name === name && c.host === host)?.serialNumber;
    for (const c of before) {
      if (c.name.startsWith('ca/')) expect(serialOf(after, c.name, c.host)).toBe(c.serialNumber);
      else expect(serialOf(after, c.name, c.host)).not.toBe(c.serialNumber);
    }

    // one at a time: each rolling update starts only after the previous one is running healthy on its new spec
    const timeline = await events(mark);
    const rolls = timeline.filter((e) => e.reason === 'RollingUpdate');
    expect(rolls.length).toBeGreaterThan(1);
    for (let i = 1; i < rolls.length; i++) {
      const prev = rolls[i - 1];
      const between = timeline.filter((e) => Number(e.id) > Number(prev.id) && Number(e.id) < Number(rolls[i].id));
      expect(between.some((e) => e.reason === 'ComponentRunning' && e.component === prev.component && e.host_id === prev.host_id)).toBe(true);
    }
    expect(await namespaces()).toEqual(expect.arrayContaining(['namespace/keep-1']));
  });
});
