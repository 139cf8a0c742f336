import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { Client } from 'pg';
import { apiClient, eventually } from '@corral/testing';
import { DATABASE_URL, TestServer, isolatedConfig, startTestServer } from '../support/test-server';
import { type S3TestServer, startS3TestServer } from '@corral/testing';
import { SnapshotStore } from '../../src/snapshots/snapshot-store.service';
import { OBJECT_STORE, type ObjectStore } from '../../src/snapshots/object-store';
import { snapshotObjectKey } from '../../src/snapshots/sealed-snapshot-objects';
import { SecretBox } from '../../src/crypto/secret-box';
import { RetentionService } from '../../src/lifecycle/retention.service';
import { EnvironmentsService } from '../../src/environments/environments.service';
import { EnvironmentTeardownService } from '../../src/lifecycle/environment-teardown.service';

jest.setTimeout(60_000);

const HOUR = 3_600_000;

/**
 * The periodic retention job sweeps what a crash leaves in the snapshot store, on both backends:
 * unfinished writes (partial files, incomplete multipart uploads) and objects no snapshot row
 * points at, once older than CORRAL_SNAPSHOT_ORPHAN_GRACE (1h here). What a row references (also a
 * deleted environment's snapshot, kept for CORRAL_DELETED_RETENTION), what a pending snapshot or a
 * rewrap is writing, and keys Corral did not make stay.
 */
describe.each([
  ['filesystem', async () => ({ overrides: {} as Record<string, string>, stop: async () => undefined })],
  [
    's3 (versitygw)',
    async () => {
      const s3: S3TestServer = await startS3TestServer();
      return {
        overrides: {
          CORRAL_SNAPSHOT_S3_ENDPOINT: s3.endpoint,
          CORRAL_SNAPSHOT_S3_BUCKET: s3.bucket,
          CORRAL_SNAPSHOT_S3_ACCESS_KEY: s3.accessKeyId,
          CORRAL_SNAPSHOT_S3_SECRET_KEY: s3.secretAccessKey,
          CORRAL_SNAPSHOT_S3_PREFIX: 'corral/',
        } as Record<string, string>,
        stop: () => s3.stop(),
      };
    },
  ],
] as const)('snapshot store sweep: %s', (_name, backend) => {
  let server: TestServer;
  let stopBackend: () => Promise<void>;
  let store: SnapshotStore;
  let objects: ObjectStore;
  let keyId: string;

  beforeAll(async () => {
    const started = await backend();
    stopBackend = started.stop;
    server = await startTestServer(isolatedConfig({ CORRAL_SNAPSHOT_ORPHAN_GRACE: '1h', CORRAL_DELETED_RETENTION: '7d', ...started.overrides }));
    store = server.app.get(SnapshotStore);
    objects = server.app.get<ObjectStore>(OBJECT_STORE);
    keyId = server.app.get(SecretBox).newestKeyId;
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    await stopBackend?.();
  });

  const admin = () => apiClient(server.url, server.adminKey);
  const put = (key: string) => objects.put(key, Readable.from([randomBytes(1000)]));
  const withSnapshot = async (name: string) => {
    const envId = (await admin().post('/v1/environments', { name })).body.id as string;
    const pending = await store.createPending(envId, 'manual');
    const snapshot = await store.complete(pending.id, { data: randomBytes(64 * 1024), etcdRevision: 3, etcdMember: 'https://10.0.0.1:2379' });
    return { envId, snapshot, key: snapshot.storageKey as string };
  };
  /** a put that stops half-way and never ends, as a process that died mid-put leaves it */
  const stalledPut = (key: string) => {
    const source = new PassThrough();
    source.write(randomBytes(4096));
    const putting = objects.put(key, source).catch(() => undefined);
    return { end: async () => (source.destroy(new Error('test over')), putting) };
  };
  const incompleteKeys = async () => (await objects.listIncomplete()).map((w) => w.key).sort();

  it('removes only old leftovers nothing refers to, from the periodic retention job', async () => {
    const live = await withSnapshot('live');
    const gone = await withSnapshot('gone');
    await server.app.get(EnvironmentsService).requestDeletion('gone');
    expect(await server.app.get(EnvironmentTeardownService).teardown(gone.envId)).toBe('done');
    expect(await server.sql(`SELECT state FROM environments WHERE id = $1`, [gone.envId])).toEqual([{ state: 'deleted' }]);

    // stored just before a crash, its row never updated: no row at all, or a row pointing elsewhere
    const noRow = snapshotObjectKey(live.envId, randomUUID(), keyId);
    const otherKey = snapshotObjectKey(live.envId, live.snapshot.id, 'abcdef01');
    await put(noRow);
    await put(otherKey);
    // a snapshot being taken: its row is pending, its object may already be there
    const pending = await store.createPending(live.envId, 'manual');
    const pendingKey = snapshotObjectKey(live.envId, pending.id, keyId);
    await put(pendingKey);
    // keys Corral did not make
    await put('notes/readme.txt');
    // writes that never finished: one of no snapshot, one of the pending snapshot
    const crashedKey = snapshotObjectKey(live.envId, randomUUID(), keyId);
    const crashed = stalledPut(crashedKey);
    const pendingWrite = stalledPut(pendingKey);
    try {
      await eventually(async () => JSON.stringify(await incompleteKeys()) === JSON.stringify([crashedKey, pendingKey].sort()), { what: 'both unfinished writes to show' });
      const retention = server.app.get(RetentionService);

      // everything is younger than the grace period: nothing goes
      expect(await retention.prune()).toMatchObject({ snapshotIncompleteWrites: 0, snapshotOrphanObjects: 0 });
      expect(await objects.list('')).toEqual([noRow, otherKey, pendingKey, live.key, gone.key, 'notes/readme.txt'].sort());

      // two hours on: the orphans and the unfinished write of no snapshot go
      const later = new Date(Date.now() + 2 * HOUR);
      expect(await retention.prune(later)).toMatchObject({ snapshotIncompleteWrites: 1, snapshotOrphanObjects: 2 });
      expect(await objects.list('')).toEqual([pendingKey, live.key, gone.key, 'notes/readme.txt'].sort());
      expect(await incompleteKeys()).toEqual([pendingKey]);
      // the deleted environment's snapshot still opens
      expect((await buffer(await store.data(gone.snapshot.id))).length).toBe(64 * 1024);

      // once the pending snapshot has failed (a crash, then a retry that failed), its leftovers go too
      await store.fail(pending.id, 'etcd went away');
      expect(await retention.prune(later)).toMatchObject({ snapshotIncompleteWrites: 1, snapshotOrphanObjects: 1 });
      expect(await objects.list('')).toEqual([live.key, gone.key, 'notes/readme.txt'].sort());
      expect(await incompleteKeys()).toEqual([]);
      // a second sweep finds nothing
      expect(await retention.prune(later)).toMatchObject({ snapshotIncompleteWrites: 0, snapshotOrphanObjects: 0 });
    } finally {
      await crashed.end();
      await pendingWrite.end();
    }
  });

  it('keeps the new object of a snapshot a rewrap is re-sealing (its row locked) until the lock is gone', async () => {
    const { snapshot } = await withSnapshot('rewrapped');
    const resealed = snapshotObjectKey(snapshot.environmentId, snapshot.id, 'fedcba98');
    await put(resealed);
    const rewrap = new Client({ connectionString: DATABASE_URL, options: `-c search_path=${server.config.databaseSchema}` });
    await rewrap.connect();
    const later = new Date(Date.now() + 2 * HOUR);
    try {
      await rewrap.query('BEGIN');
      await rewrap.query(`SELECT id FROM etcd_snapshots WHERE id = $1 FOR UPDATE`, [snapshot.id]);
      await server.app.get(RetentionService).prune(later);
      expect(await objects.list(`${snapshot.environmentId}/`)).toContain(resealed);
      await rewrap.query('ROLLBACK');
    } finally {
      await rewrap.end();
    }
    await server.app.get(RetentionService).prune(later);
    expect(await objects.list(`${snapshot.environmentId}/`)).toEqual([snapshot.storageKey]);
  });
});

describe('snapshot store sweep: a partial file left by a crashed process', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_SNAPSHOT_ORPHAN_GRACE: '30m' }));
  });
  afterAll(() => server?.close());

  it('is removed once its last write is older than the grace period, and not before', async () => {
    const dir = (server.config.snapshotStore as { dir: string }).dir;
    const envId = randomUUID();
    const file = (age: number) => {
      const path = join(dir, `${snapshotObjectKey(envId, randomUUID(), 'abcdef01')}.${randomBytes(6).toString('hex')}.partial`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, randomBytes(100));
      const at = new Date(Date.now() - age);
      utimesSync(path, at, at);
      return path;
    };
    const old = file(31 * 60_000);
    const young = file(29 * 60_000);
    expect(await server.app.get(RetentionService).prune()).toMatchObject({ snapshotIncompleteWrites: 1, snapshotOrphanObjects: 0 });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
  });
});
