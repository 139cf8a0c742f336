import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { FilesystemObjectStore } from '../../src/snapshots/filesystem-object-store';
import { ObjectNotFoundError, type ObjectStore } from '../../src/snapshots/object-store';
import { PART_BYTES, S3ObjectStore } from '../../src/snapshots/s3/s3-object-store';
import { SecretBox } from '../../src/crypto/secret-box';
import { openSealedSnapshot, putSealedSnapshot } from '../../src/snapshots/sealed-snapshot-objects';
import { type S3TestServer, startS3TestServer } from '@corral/testing';

// objects of several 8 MiB parts through a real server: seconds on a loaded 2-core machine
jest.setTimeout(60_000);

/** A stream of `size` pseudo-random bytes made on the fly (never held whole), and its SHA-256. */
function generated(size: number, seed: string): { stream: Readable; sha256: Promise<string> } {
  const hash = createHash('sha256');
  let made = 0;
  let block = createHash('sha256').update(seed).digest();
  let resolveDigest: (v: string) => void;
  const sha256 = new Promise<string>((r) => (resolveDigest = r));
  const stream = new Readable({
    read() {
      if (made >= size) {
        resolveDigest(hash.digest('hex'));
        this.push(null);
        return;
      }
      const n = Math.min(256 * 1024, size - made);
      const chunk = Buffer.alloc(n);
      for (let o = 0; o < n; o += 32) {
        block = createHash('sha256').update(block).digest();
        block.copy(chunk, o);
      }
      made += n;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256 };
}

/**
 * The snapshot store's two backends, against real storage: a directory, and a real
 * S3-compatible server (versitygw, which checks every request's Signature V4).
 */
describe.each([
  ['filesystem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-objects-'));
    return { store: new FilesystemObjectStore(dir) as ObjectStore, files: () => listFiles(dir), stop: async () => rmSync(dir, { recursive: true, force: true }) };
  }],
  ['s3 (versitygw)', async () => {
    const s3: S3TestServer = await startS3TestServer();
    const store = new S3ObjectStore({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, prefix: 'corral/' });
    return { store: store as ObjectStore, files: () => listFiles(s3.bucketDir), stop: () => s3.stop(), s3 };
  }],
] as const)('%s object store', (_name, start) => {
  let backend: Awaited<ReturnType<typeof start>>;
  const box = new SecretBox(randomBytes(32).toString('base64'));

  beforeAll(async () => {
    backend = await start();
  }, 600_000);
  afterAll(() => backend?.stop());

  it('puts, gets, lists and deletes objects, streaming sizes of several parts', async () => {
    const { store } = backend;
    const size = 2 * PART_BYTES + 12345;
    const source = generated(size, 'a');
    expect(await store.put('env-1/a.db', source.stream)).toEqual({ bytes: size });
    await store.put('env-1/b.db', Readable.from([Buffer.from('small')]));
    await store.put('env-2/c.db', Readable.from([]));
    const got = createHash('sha256').update(await buffer(await store.get('env-1/a.db'))).digest('hex');
    expect(got).toBe(await source.sha256);
    expect((await buffer(await store.get('env-2/c.db'))).length).toBe(0);
    expect(await store.list('env-1/')).toEqual(['env-1/a.db', 'env-1/b.db']);
    expect(await store.list('')).toEqual(['env-1/a.db', 'env-1/b.db', 'env-2/c.db']);
    await store.delete('env-1/a.db');
    await store.delete('env-1/a.db');
    await expect(store.get('env-1/a.db')).rejects.toThrow(ObjectNotFoundError);
    expect(await store.list('env-1/')).toEqual(['env-1/b.db']);
    await expect(store.put('../escape', Readable.from([Buffer.from('x')]))).rejects.toThrow(/not a plain relative path/);
  });

  it('leaves nothing behind when the source fails half-way', async () => {
    const { store } = backend;
    const before = backend.files();
    const failing = new Readable({
      read() {
        this.push(randomBytes(PART_BYTES + 1));
        this.destroy(new Error('etcd went away'));
      },
    });
    await expect(store.put('env-3/broken.db', failing)).rejects.toThrow(/etcd went away/);
    await expect(store.get('env-3/broken.db')).rejects.toThrow(ObjectNotFoundError);
    expect(backend.files()).toEqual(before);
  });

  it('keeps a snapshot sealed: the stored bytes hold none of the database, and it opens checked', async () => {
    const marker = Buffer.from(`secret-${randomBytes(8).toString('hex')}`);
    const db = Buffer.concat([randomBytes(PART_BYTES), marker, randomBytes(5000)]);
    const ids = { environmentId: '6f1d5a2e-4c1b-4f7e-9a7e-2d9a1c0b3e11', snapshotId: '0b9f2d4c-1a2b-4c3d-8e9f-001122334455' };
    const stored = await putSealedSnapshot(backend.store, box, ids, Readable.from([db]));
    expect(stored).toMatchObject({ sha256: createHash('sha256').update(db).digest('hex'), sizeBytes: db.length, sealedKeyId: box.newestKeyId });
    for (const file of backend.files()) expect(readFileSync(file).includes(marker)).toBe(false);
    const opened = await openSealedSnapshot(backend.store, box, { id: ids.snapshotId, environmentId: ids.environmentId, storageKey: stored.storageKey, sha256: stored.sha256 }, async () => null);
    expect((await buffer(opened)).equals(db)).toBe(true);
    // the same object under another snapshot's id does not open
    const other = await openSealedSnapshot(backend.store, box, { id: '00000000-0000-4000-8000-000000000000', environmentId: ids.environmentId, storageKey: stored.storageKey, sha256: stored.sha256 }, async () => null);
    await expect(buffer(other)).rejects.toThrow(/does not authenticate/);
  });
});

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('S3 object store credentials', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3TestServer();
  }, 600_000);
  afterAll(() => s3?.stop());

  it('is refused with a wrong secret key, naming the error S3 gave', async () => {
    const store = new S3ObjectStore({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: 'wrong', prefix: '' });
    await expect(store.put('x.db', Readable.from([Buffer.from('x')]))).rejects.toThrow(/SignatureDoesNotMatch|AccessDenied/);
    await expect(store.list('')).rejects.toThrow(/SignatureDoesNotMatch|AccessDenied/);
    // a snapshot streamed into a store that refuses at once fails (and does not wait on backpressure for ever)
    const box = new SecretBox(randomBytes(32).toString('base64'));
    const ids = { environmentId: '6f1d5a2e-4c1b-4f7e-9a7e-2d9a1c0b3e11', snapshotId: '0b9f2d4c-1a2b-4c3d-8e9f-001122334455' };
    await expect(putSealedSnapshot(store, box, ids, generated(64 << 20, 'refused').stream)).rejects.toThrow(/SignatureDoesNotMatch|AccessDenied/);
  });
});
