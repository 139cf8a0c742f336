import { createHash, randomBytes } from 'node:crypto';
import { apiClient } from '@corral/testing';
import { TestServer, isolatedConfig, startTestServer } from '../support/test-server';
import { SnapshotStore } from '../../src/snapshots/snapshot-store.service';

/**
 * Downloading and deleting stored etcd snapshots against the real PostgreSQL. The snapshot
 * bytes are stored directly (taking one from a running etcd is covered by monitoring-snapshots):
 * what matters here is that the download is the stored database, checked, and that deletion
 * refuses what is still in use.
 */
describe('etcd snapshot download and deletion', () => {
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;
  let store: SnapshotStore;
  let envId: string;

  beforeAll(async () => {
    // API only: no worker, so no reconcile moves the test's restore row on by itself
    server = await startTestServer(isolatedConfig({ CORRAL_ROLE: 'api' }));
    admin = apiClient(server.url, server.adminKey);
    store = server.app.get(SnapshotStore);
    envId = (await admin.post('/v1/environments', { name: 'snap' })).body.id;
  });
  afterAll(() => server?.close());

  const stored = async (bytes: Buffer) => {
    const pending = await store.createPending(envId, 'manual');
    return store.complete(pending.id, { data: bytes, etcdRevision: 42, etcdMember: 'https://10.0.0.1:2379' });
  };

  it('downloads the stored database with its checksum, and only with the write scope', async () => {
    const bytes = randomBytes(64 * 1024);
    const snapshot = await stored(bytes);
    const res = await fetch(`${server.url}/v1/environments/snap/snapshots/${snapshot.id}/data`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="snap-etcd-42-${snapshot.id.slice(0, 8)}.db"`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(bytes)).toBe(true);
    expect(res.headers.get('content-digest')).toBe(`sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`);

    const readOnly = (await admin.post('/v1/api-keys', { name: 'reader', scopes: ['read'] })).body.key;
    const denied = await apiClient(server.url, readOnly).get(`/v1/environments/snap/snapshots/${snapshot.id}/data`);
    expect(denied.status).toBe(403);
    expect((await admin.get(`/v1/environments/snap/snapshots/00000000-0000-4000-8000-000000000000/data`)).status).toBe(404);
    expect((await admin.get(`/v1/environments/snap/snapshots/not-a-uuid/data`)).status).toBe(404);
  });

  it('hands a snapshot to the hosts of its own environment only, by their credential (for a restored member\'s init step)', async () => {
    const bytes = randomBytes(8 * 1024);
    const snapshot = await stored(bytes);
    const register = async (env: string, hostname: string) => {
      const token = (await admin.post(`/v1/environments/${env}/registration-tokens`, {})).body.token;
      return (await apiClient(server.url).post('/v1/agent/register', { token, hostname, addresses: ['10.9.0.1'] })).body.credential as string;
    };
    const own = await register('snap', 'snap-host');
    await admin.post('/v1/environments', { name: 'other-snap' });
    const other = await register('other-snap', 'other-host');
    const url = `${server.url}/v1/agent/etcd-snapshots/${snapshot.id}/data`;

    const res = await fetch(url, { headers: { authorization: `Bearer ${own}` } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    expect(res.headers.get('content-digest')).toBe(`sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`);
    expect((await fetch(url, { headers: { authorization: `Bearer ${other}` } })).status).toBe(404);
    expect((await fetch(url, { headers: { authorization: `Bearer ${server.adminKey}` } })).status).toBe(401);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${server.url}/v1/agent/etcd-snapshots/not-a-uuid/data`, { headers: { authorization: `Bearer ${own}` } })).status).toBe(404);
  });

  it('refuses to send a snapshot whose stored bytes no longer match their checksum (409, not a 500)', async () => {
    const snapshot = await stored(randomBytes(4096));
    await server.sql(`UPDATE etcd_snapshots SET data = $2 WHERE id = $1`, [snapshot.id, randomBytes(4096)]);
    const res = await admin.get(`/v1/environments/snap/snapshots/${snapshot.id}/data`);
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('corrupt');
  });

  it('refuses data of a snapshot still being taken', async () => {
    const pending = await store.createPending(envId, 'manual');
    const res = await admin.get(`/v1/environments/snap/snapshots/${pending.id}/data`);
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('pending');
    expect((await admin.delete(`/v1/environments/snap/snapshots/${pending.id}`)).status).toBe(409);
    await store.fail(pending.id, 'given up by the test');
  });

  it('deletes a snapshot (an event says so), but not one an active restore is loading', async () => {
    const snapshot = await stored(randomBytes(1024));
    const restore = await store.createRestore(envId, snapshot.id);
    const refused = await admin.delete(`/v1/environments/snap/snapshots/${snapshot.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('being restored');
    expect((await admin.get(`/v1/environments/snap/snapshots/${snapshot.id}`)).status).toBe(200);

    await store.setRestorePhase(restore.id, 'failed', 'ended by the test');
    expect((await admin.delete(`/v1/environments/snap/snapshots/${snapshot.id}`)).status).toBe(204);
    expect((await admin.get(`/v1/environments/snap/snapshots/${snapshot.id}`)).status).toBe(404);
    expect((await admin.delete(`/v1/environments/snap/snapshots/${snapshot.id}`)).status).toBe(404);
    const events = await server.sql<{ message: string }>(`SELECT message FROM events WHERE reason = 'SnapshotDeleted'`);
    expect(events).toEqual([{ message: expect.stringContaining(snapshot.id) }]);
    // the restore keeps its record, without the snapshot
    expect((await admin.get('/v1/environments/snap/restores')).body.items[0]).toMatchObject({ id: restore.id, snapshotId: null, phase: 'failed' });
  });
});
