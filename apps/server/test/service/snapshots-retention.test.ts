import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient } from '@corral/testing';
import { bboltFileStart } from '@corral/domain';
import { TestServer, isolatedConfig, startTestServer } from '../support/test-server';
import { SnapshotStore } from '../../src/snapshots/snapshot-store.service';
import { DeletedEnvironmentsService } from '../../src/snapshots/deleted-environments.service';
import { EnvironmentsService } from '../../src/environments/environments.service';
import { EnvironmentTeardownService } from '../../src/lifecycle/environment-teardown.service';

/**
 * Deleting an environment keeps its snapshots for CORRAL_DELETED_RETENTION: a snapshot of a
 * deleted environment restores into a new one; an admin may purge earlier; retention purges.
 */
describe('snapshots survive the deletion of their environment', () => {
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;
  let store: SnapshotStore;

  beforeAll(async () => {
    // the worker role too (the teardown service), but snapshots are stored by hand: no agent takes them here
    server = await startTestServer(isolatedConfig({ CORRAL_DELETED_RETENTION: '7d' }));
    admin = apiClient(server.url, server.adminKey);
    store = server.app.get(SnapshotStore);
  });
  afterAll(() => server?.close());

  const snapshotDir = () => (server.config.snapshotStore as { dir: string }).dir;
  const createWithSnapshot = async (name: string) => {
    const envId = (await admin.post('/v1/environments', { name })).body.id as string;
    const pending = await store.createPending(envId, 'manual');
    const snapshot = await store.complete(pending.id, { data: Buffer.from(bboltFileStart(randomBytes(56 * 1024))) /* 64 KiB in all */, etcdRevision: 3, etcdMember: 'https://10.0.0.1:2379' });
    const [{ storage_key }] = await server.sql<{ storage_key: string }>(`SELECT storage_key FROM etcd_snapshots WHERE id = $1`, [snapshot.id]);
    return { envId, snapshot, object: join(snapshotDir(), storage_key) };
  };
  const deleteEnvironment = async (name: string, envId: string) => {
    await server.app.get(EnvironmentsService).requestDeletion(name);
    expect(await server.app.get(EnvironmentTeardownService).teardown(envId)).toBe('done');
  };
  const register = async (env: string, hostname: string) => {
    const token = (await admin.post(`/v1/environments/${env}/registration-tokens`, {})).body.token;
    return (await apiClient(server.url).post('/v1/agent/register', { token, hostname, addresses: ['10.9.0.1'] })).body.credential as string;
  };

  it('keeps a deleted environment\'s snapshots, restorable into a new environment whose hosts may fetch them', async () => {
    const { envId, snapshot, object } = await createWithSnapshot('gone');
    const oldToken = (await admin.post('/v1/environments/gone/registration-tokens', {})).body.token;
    await deleteEnvironment('gone', envId);
    expect(await server.sql(`SELECT state, secrets_encrypted FROM environments WHERE id = $1`, [envId])).toEqual([{ state: 'deleted', secrets_encrypted: null }]);
    expect((await admin.get('/v1/environments/gone')).status).toBe(404);
    // nothing reaches it any more: its registration tokens are gone
    expect((await apiClient(server.url).post('/v1/agent/register', { token: oldToken, hostname: 'late', addresses: ['10.9.0.2'] })).status).toBe(401);
    expect(existsSync(object)).toBe(true);

    const listed = await admin.get('/v1/deleted-environments');
    expect(listed.status).toBe(200);
    const entry = listed.body.items.find((d: { id: string }) => d.id === envId);
    expect(entry).toMatchObject({ name: 'gone', snapshots: [expect.objectContaining({ id: snapshot.id, state: 'completed' })] });
    expect(Date.parse(entry.purgeAt) - Date.parse(entry.deletedAt)).toBe(7 * 86_400_000);

    // the name is free again; the new environment restores the old one's snapshot
    await admin.post('/v1/environments', { name: 'gone' });
    const restore = await admin.post('/v1/environments/gone/restore', { snapshotId: snapshot.id });
    expect(restore.status).toBe(202);
    const own = await register('gone', 'gone-1');
    const fetched = await fetch(`${server.url}/v1/agent/etcd-snapshots/${snapshot.id}/data`, { headers: { authorization: `Bearer ${own}` } });
    expect(fetched.status).toBe(200);
    expect((await fetched.arrayBuffer()).byteLength).toBe(64 * 1024);
    // a host of an environment that does not restore it may not
    await admin.post('/v1/environments', { name: 'bystander' });
    const other = await register('bystander', 'by-1');
    expect((await fetch(`${server.url}/v1/agent/etcd-snapshots/${snapshot.id}/data`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(404);
    // nor may another live environment's snapshot be restored elsewhere
    const live = await createWithSnapshot('alive');
    expect((await admin.post('/v1/environments/bystander/restore', { snapshotId: live.snapshot.id })).status).toBe(404);
  });

  it('purges a deleted environment and its stored snapshots: by an admin only, or once its retention has passed', async () => {
    const a = await createWithSnapshot('purge-me');
    const b = await createWithSnapshot('expire-me');
    await deleteEnvironment('purge-me', a.envId);
    await deleteEnvironment('expire-me', b.envId);

    const writer = (await admin.post('/v1/api-keys', { name: 'writer', scopes: ['write'] })).body.key;
    expect((await apiClient(server.url, writer).delete(`/v1/deleted-environments/${a.envId}`)).status).toBe(403);
    expect((await apiClient(server.url, writer).get('/v1/deleted-environments')).status).toBe(403);
    expect((await admin.delete(`/v1/deleted-environments/${a.envId}`)).status).toBe(204);
    expect(await server.sql(`SELECT id FROM etcd_snapshots WHERE environment_id = $1`, [a.envId])).toEqual([]);
    expect(existsSync(a.object)).toBe(false);
    expect((await admin.delete(`/v1/deleted-environments/${a.envId}`)).status).toBe(404);
    expect((await admin.delete(`/v1/deleted-environments/not-an-id`)).status).toBe(404);
    // a live environment is not purged
    const live = (await admin.post('/v1/environments', { name: 'keep-me' })).body.id;
    expect((await admin.delete(`/v1/deleted-environments/${live}`)).status).toBe(404);

    const deleted = server.app.get(DeletedEnvironmentsService);
    expect(await deleted.purgeExpired(new Date(Date.now() + 6 * 86_400_000))).toBe(0);
    expect(existsSync(b.object)).toBe(true);
    expect(await deleted.purgeExpired(new Date(Date.now() + 7 * 86_400_000 + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await server.sql(`SELECT id FROM environments WHERE id = $1`, [b.envId])).toEqual([]);
    expect(existsSync(b.object)).toBe(false);
    const purged = await server.sql<{ message: string }>(`SELECT message FROM events WHERE environment_id = $1 AND reason = 'Purged'`, [b.envId]);
    expect(purged).toEqual([{ message: expect.stringContaining('CORRAL_DELETED_RETENTION') }]);
  });
});
