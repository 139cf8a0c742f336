import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type PlacementPlan, bboltFileStart } from '@corral/domain';
import { apiClient } from '@corral/testing';
import { TestServer, isolatedConfig, startTestServer } from '../support/test-server';
import { SnapshotStore } from '../../src/snapshots/snapshot-store.service';
import { indexView } from '../../src/provisioning/phases/reconcile-view';
import { EtcdRestoreService } from '../../src/provisioning/etcd/etcd-restore.service';
import { EnvironmentsService } from '../../src/environments/environments.service';
import { SecretBox } from '../../src/crypto/secret-box';
import { OBJECT_STORE, type ObjectStore } from '../../src/snapshots/object-store';
import { putSealedSnapshot } from '../../src/snapshots/sealed-snapshot-objects';

/**
 * Restore safety against the real PostgreSQL, step by step (API role: no worker moves the
 * restore on by itself): a safety snapshot first, a deadline, and a cancel through the API.
 */
describe('restore safety', () => {
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;
  let store: SnapshotStore;
  let envId: string;

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_ROLE: 'api', CORRAL_RESTORE_TIMEOUT: '10m' }));
    admin = apiClient(server.url, server.adminKey);
    store = server.app.get(SnapshotStore);
    envId = (await admin.post('/v1/environments', { name: 'safe' })).body.id;
  });
  afterAll(() => server?.close());

  const completedSnapshot = async (data = Buffer.from(bboltFileStart(randomBytes(8192)))) => {
    const pending = await store.createPending(envId, 'manual');
    return store.complete(pending.id, { data, etcdRevision: 9, etcdMember: 'https://10.0.0.1:2379' });
  };
  const step = async (now = new Date()) => {
    const env = await server.app.get(EnvironmentsService).get('safe');
    const restore = (await store.activeRestore(envId))!;
    const replan = (): PlacementPlan => ({ etcd: { action: 'wait', message: 'no hosts in this test' } }) as unknown as PlacementPlan;
    return server.app.get(EtcdRestoreService).step({ env, restore, view: indexView([], [], []), replan }, now);
  };
  const restoring = async () => (await admin.get('/v1/environments/safe')).body.conditions.find((c: { type: string }) => c.type === 'Restoring');

  it('takes a snapshot of the current cluster first, and touches nothing until it is done', async () => {
    const snapshot = await completedSnapshot();
    const started = Date.now();
    const res = await admin.post('/v1/environments/safe/restore', { snapshotId: snapshot.id });
    expect(res.status).toBe(202);
    expect(res.body.preRestoreSnapshotId).toEqual(expect.any(String));
    expect(Date.parse(res.body.deadlineAt) - started).toBeGreaterThanOrEqual(10 * 60_000 - 1000);
    expect((await admin.get(`/v1/environments/safe/snapshots/${res.body.preRestoreSnapshotId}`)).body).toMatchObject({ trigger: 'pre-restore', state: 'pending' });

    expect(await step()).toBe(false);
    expect(await restoring()).toMatchObject({ status: 'True', reason: 'TakingSafetySnapshot' });
    // once it is done (here: failed, as when etcd is beyond reach) the restore goes on to place a fresh cluster
    await store.fail(res.body.preRestoreSnapshotId, 'etcd is beyond reach');
    expect(await step()).toBe(false);
    expect(await restoring()).toMatchObject({ status: 'True', reason: 'WaitingForHosts' });

    // cancelled through the API: the next step ends it, saying nothing was replaced
    const cancel = await admin.post(`/v1/environments/safe/restores/${res.body.id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.body.cancelRequestedAt).toEqual(expect.any(String));
    expect(await step()).toBe(true);
    expect((await admin.get('/v1/environments/safe/restores')).body.items[0]).toMatchObject({ id: res.body.id, phase: 'cancelled', message: expect.stringContaining('nothing was replaced') });
    expect(await restoring()).toMatchObject({ status: 'False', reason: 'RestoreCancelled' });
    expect((await admin.post(`/v1/environments/safe/restores/${res.body.id}/cancel`)).status).toBe(409);
    expect((await admin.post(`/v1/environments/safe/restores/00000000-0000-4000-8000-000000000000/cancel`)).status).toBe(404);
    expect((await admin.post(`/v1/environments/safe/restores/nope/cancel`)).status).toBe(404);
  });

  it('fails a restore past its deadline with a condition that says so', async () => {
    const snapshot = await completedSnapshot();
    const res = await admin.post('/v1/environments/safe/restore', { snapshotId: snapshot.id });
    expect(res.status).toBe(202);
    expect(await step()).toBe(false);
    expect(await step(new Date(Date.parse(res.body.deadlineAt) + 1000))).toBe(true);
    const restore = (await admin.get('/v1/environments/safe/restores')).body.items[0];
    expect(restore).toMatchObject({ id: res.body.id, phase: 'failed', message: expect.stringContaining('did not finish by its deadline') });
    expect(restore.message).toContain(res.body.preRestoreSnapshotId);
    expect(await restoring()).toMatchObject({ status: 'False', reason: 'RestoreTimedOut', message: expect.stringContaining('CORRAL_RESTORE_TIMEOUT') });
    expect(await store.activeRestore(envId)).toBeNull();
  });

  describe('a snapshot whose stored data cannot be restored is refused with 422 naming it, and nothing changes', () => {
    const state = async () => ({
      restores: await server.sql(`SELECT id FROM etcd_restores WHERE environment_id = $1 AND phase NOT IN ('completed', 'failed', 'cancelled')`, [envId]),
      snapshots: (await server.sql<{ n: number }>(`SELECT count(*)::int AS n FROM etcd_snapshots WHERE environment_id = $1`, [envId]))[0].n,
      events: (await server.sql<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE environment_id = $1`, [envId]))[0].n,
    });
    const refused = async (snapshotId: string, message: RegExp) => {
      const before = await state();
      const res = await admin.post('/v1/environments/safe/restore', { snapshotId });
      expect(res.status).toBe(422);
      expect(res.body.message).toContain(`snapshot ${snapshotId} cannot be restored`);
      expect(res.body.message).toMatch(message);
      expect(await state()).toEqual(before);
    };
    const snapshotFile = async (id: string) => {
      const [{ storage_key }] = await server.sql<{ storage_key: string }>(`SELECT storage_key FROM etcd_snapshots WHERE id = $1`, [id]);
      return join((server.config.snapshotStore as { dir: string }).dir, storage_key);
    };

    it('a stored object corrupted in its first sealed chunk', async () => {
      const snapshot = await completedSnapshot();
      const file = await snapshotFile(snapshot.id);
      const bytes = readFileSync(file);
      bytes[200] ^= 0x01;
      writeFileSync(file, bytes);
      await refused(snapshot.id, /does not authenticate/);
    });

    it('an object sealed under a key the server does not hold', async () => {
      const snapshot = await completedSnapshot();
      const otherBox = new SecretBox(randomBytes(32).toString('base64'));
      const stored = await putSealedSnapshot(server.app.get<ObjectStore>(OBJECT_STORE), otherBox, { environmentId: envId, snapshotId: snapshot.id }, Readable.from([Buffer.from(bboltFileStart())]));
      await server.sql(`UPDATE etcd_snapshots SET storage_key = $2, sealed_key_id = $3 WHERE id = $1`, [snapshot.id, stored.storageKey, stored.sealedKeyId]);
      await refused(snapshot.id, new RegExp(`names key ${stored.sealedKeyId}, which is not in CORRAL_SECRET_KEYS`));
    });

    it("another snapshot's object put in its place", async () => {
      const [a, b] = [await completedSnapshot(), await completedSnapshot()];
      await server.sql(`UPDATE etcd_snapshots SET storage_key = (SELECT storage_key FROM etcd_snapshots WHERE id = $2) WHERE id = $1`, [a.id, b.id]);
      await refused(a.id, /does not authenticate/);
    });

    it('a stored object that is gone', async () => {
      const snapshot = await completedSnapshot();
      await server.app.get<ObjectStore>(OBJECT_STORE).delete((await store.find(snapshot.id))!.storageKey!);
      await refused(snapshot.id, /not found/);
    });

    it('data that opens but is not an etcd database', async () => {
      const snapshot = await completedSnapshot(randomBytes(300 * 1024));
      await refused(snapshot.id, /not an etcd database: it does not start like a bbolt database/);
    });

    it('an etcd database larger than one sealed chunk is accepted (only its start is read)', async () => {
      const snapshot = await completedSnapshot(Buffer.from(bboltFileStart(randomBytes(3 << 20))));
      const res = await admin.post('/v1/environments/safe/restore', { snapshotId: snapshot.id });
      expect(res.status).toBe(202);
      expect((await admin.post(`/v1/environments/safe/restores/${res.body.id}/cancel`)).status).toBe(202);
      expect(await step()).toBe(true);
      expect(await store.activeRestore(envId)).toBeNull();
    });
  });
});
