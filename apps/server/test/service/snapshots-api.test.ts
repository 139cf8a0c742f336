import { createHash, randomBytes } from 'node:crypto';
import { apiClient } from '@corral/testing';
import { TestServer, isolatedConfig, startTestServer } from '../support/test-server';
import { SnapshotStore } from '../../src/snapshots/snapshot-store.service';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretBox } from '../../src/crypto/secret-box';

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
  const snapshotDir = () => (server.config.snapshotStore as { dir: string }).dir;

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

  it('keeps the database sealed in the snapshot store, nothing of it in the table', async () => {
    const marker = Buffer.from(`kubernetes-secret-value-${randomBytes(8).toString('hex')}`);
    const bytes = Buffer.concat([randomBytes(3 << 20), marker, randomBytes(1000)]);
    const snapshot = await stored(bytes);
    const [row] = await server.sql<{ data: Buffer | null; storage_key: string; sealed_key_id: string; size_bytes: string }>(`SELECT data, storage_key, sealed_key_id, size_bytes FROM etcd_snapshots WHERE id = $1`, [snapshot.id]);
    expect(row).toMatchObject({ data: null, sealed_key_id: server.app.get(SecretBox).newestKeyId, size_bytes: String(bytes.length) });
    const object = readFileSync(join(snapshotDir(), row.storage_key));
    expect(object.length).toBeGreaterThan(bytes.length);
    expect(object.includes(marker)).toBe(false);
    const res = await fetch(`${server.url}/v1/environments/snap/snapshots/${snapshot.id}/data`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuses (409) or cuts short the download of a stored object that was tampered with, never sending a whole-looking corrupt database', async () => {
    const tamper = async (size: number) => {
      const snapshot = await stored(randomBytes(size));
      const [{ storage_key }] = await server.sql<{ storage_key: string }>(`SELECT storage_key FROM etcd_snapshots WHERE id = $1`, [snapshot.id]);
      const file = join(snapshotDir(), storage_key);
      const object = readFileSync(file);
      object[object.length - 100] ^= 1;
      writeFileSync(file, object);
      return fetch(`${server.url}/v1/environments/snap/snapshots/${snapshot.id}/data`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    };
    // the last of two chunks fails before a byte is sent: a 409 that says why
    const refused = await tamper((1 << 20) + 10);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toContain('does not authenticate');
    // the last of six chunks fails after four were sent: the answer is cut short
    const cut = await tamper(5 << 20);
    expect(cut.status).toBe(200);
    await expect(cut.arrayBuffer()).rejects.toThrow();
  });

  it('still serves a snapshot stored in the table by an earlier version, and refuses it (409) once it no longer matches its checksum', async () => {
    const bytes = randomBytes(4096);
    const [legacy] = await server.sql<{ id: string }>(
      `INSERT INTO etcd_snapshots (environment_id, trigger, state, size_bytes, sha256, etcd_revision, data, completed_at) VALUES ($1, 'manual', 'completed', $2, $3, 7, $4, now()) RETURNING id`,
      [envId, bytes.length, createHash('sha256').update(bytes).digest('hex'), bytes],
    );
    const path = `/v1/environments/snap/snapshots/${legacy.id}/data`;
    const ok = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    expect(Buffer.from(await ok.arrayBuffer()).equals(bytes)).toBe(true);
    await server.sql(`UPDATE etcd_snapshots SET data = $2 WHERE id = $1`, [legacy.id, randomBytes(4096)]);
    const refused = await admin.get(path);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('corrupt');
  });

  it('prunes scheduled snapshots by kind: 12 failures in a row keep every good backup, and pruned objects leave the store', async () => {
    const env = (await admin.post('/v1/environments', { name: 'prune' })).body.id as string;
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, i)).toISOString();
    const scheduled = async (i: number, ok: boolean) => {
      const row = await store.createPending(env, 'scheduled');
      if (ok) await store.complete(row.id, { data: randomBytes(1024), etcdRevision: i, etcdMember: 'https://10.0.0.1:2379' });
      else await store.fail(row.id, 'etcd did not answer');
      await server.sql(`UPDATE etcd_snapshots SET created_at = $2 WHERE id = $1`, [row.id, at(i)]);
      return row.id;
    };
    const good: string[] = [];
    for (let i = 0; i < 13; i++) good.push(await scheduled(i, true));
    for (let i = 13; i < 25; i++) await scheduled(i, false);
    const oldestKey = (await server.sql<{ storage_key: string }>(`SELECT storage_key FROM etcd_snapshots WHERE id = $1`, [good[0]]))[0].storage_key;
    expect(existsSync(join(snapshotDir(), oldestKey))).toBe(true);

    expect(await store.pruneScheduled(env, 12)).toBe(1 + 9);
    const left = await server.sql<{ id: string; state: string }>(`SELECT id, state FROM etcd_snapshots WHERE environment_id = $1 ORDER BY created_at`, [env]);
    expect(left.filter((r) => r.state === 'completed').map((r) => r.id)).toEqual(good.slice(1));
    expect(left.filter((r) => r.state === 'failed')).toHaveLength(3);
    expect(existsSync(join(snapshotDir(), oldestKey))).toBe(false);
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
