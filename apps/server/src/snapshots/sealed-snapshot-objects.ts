import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SecretBox, environmentContext } from '../crypto/secret-box';
import { createOpenStream, createSealStream } from '../crypto/sealed-stream';
import { ObjectNotFoundError, type ObjectStore } from './object-store';
import { measuringTap } from './measuring-tap';

/** What a sealed snapshot object is bound to: its environment and its own id (objects cannot be swapped). */
export const snapshotContext = (environmentId: string, snapshotId: string): string => `${environmentContext(environmentId)}/etcd-snapshot:${snapshotId}`;

/** Where a snapshot's object lives; the key id is in the name so a rewrap never overwrites the object it reads. */
export const snapshotObjectKey = (environmentId: string, snapshotId: string, keyId: string): string => `${environmentId}/${snapshotId}.${keyId}.etcd.sealed`;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SNAPSHOT_OBJECT_KEY = new RegExp(`^(${UUID})/(${UUID})\\.[A-Za-z0-9_-]+\\.etcd\\.sealed$`);

/** The snapshot a key names, when snapshotObjectKey made it; null for any other key. */
export function snapshotIdOfObjectKey(key: string): string | null {
  return SNAPSHOT_OBJECT_KEY.exec(key)?.[2] ?? null;
}

export interface StoredObject {
  storageKey: string;
  sealedKeyId: string;
  sha256: string;
  sizeBytes: number;
}

/**
 * Seals a snapshot's database as it streams into the store, hashing it on the way. On any
 * failure (the source, sealing, or the store) the partial object is removed and the error thrown.
 */
export async function putSealedSnapshot(objects: ObjectStore, box: SecretBox, ids: { environmentId: string; snapshotId: string }, source: Readable): Promise<StoredObject> {
  const storageKey = snapshotObjectKey(ids.environmentId, ids.snapshotId, box.newestKeyId);
  const measured = measuringTap();
  const body = new PassThrough();
  // a store that fails before reading everything must end the pipeline too, or it would wait on backpressure for ever
  const putting = objects.put(storageKey, body).catch((err: Error) => {
    body.destroy(err);
    throw err;
  });
  const results = await Promise.allSettled([putting, pipeline(source, measured.tap, createSealStream(box, snapshotContext(ids.environmentId, ids.snapshotId)), body)]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await objects.delete(storageKey).catch(() => undefined);
    throw failed.reason;
  }
  return { storageKey, sealedKeyId: box.newestKeyId, sha256: measured.sha256(), sizeBytes: measured.bytes() };
}

/** A snapshot's database, opened, checked against its recorded SHA-256 at the end (a mismatch is a stream error). */
export async function openSealedSnapshot(
  objects: ObjectStore,
  box: SecretBox,
  snapshot: { id: string; environmentId: string; storageKey: string | null; sha256: string | null },
  legacyData: () => Promise<Buffer | null>,
): Promise<Readable> {
  if (snapshot.storageKey) {
    const raw = await objects.get(snapshot.storageKey);
    return verified([raw, createOpenStream(box, snapshotContext(snapshot.environmentId, snapshot.id))], snapshot.id, snapshot.sha256 ?? '');
  }
  const data = await legacyData();
  if (!data) throw new Error(`snapshot ${snapshot.id} has no data`);
  return verified([Readable.from([data])], snapshot.id, snapshot.sha256 ?? '');
}

function verified(stages: [Readable, ...Transform[]], snapshotId: string, expected: string): Readable {
  const hash = createHash('sha256');
  // the latest chunk is held back until the digest is checked: a receiver never gets every byte of a corrupt database
  let held: Buffer | null = null;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      const previous = held;
      held = chunk;
      done(null, previous ?? undefined);
    },
    flush(done) {
      const actual = hash.digest('hex');
      if (actual !== expected) return done(new Error(`snapshot ${snapshotId} is corrupt (its data's SHA-256 is ${actual}, ${expected} was recorded): take a new snapshot`));
      done(null, held ?? undefined);
    },
  });
  // any stage failing (the store, opening, the digest) ends the returned stream with that error
  pipeline([...stages, check]).catch((err) => check.destroy(err as Error));
  return check;
}

/** The store could not be read (not the object's fault: it may answer later). */
export class StoreUnavailableError extends Error {}

/**
 * The first `want` bytes of a snapshot's database (fewer when it is smaller), opened: the sealed
 * chunks they come from authenticate under their key and the snapshot's context. The rest of the
 * object is not read. Fails with StoreUnavailableError when the store itself failed, and with
 * the reason otherwise (no such object, a chunk that does not open, a key not in the ring).
 */
export async function readSnapshotHead(
  objects: ObjectStore,
  box: SecretBox,
  snapshot: { id: string; environmentId: string; storageKey: string | null },
  legacyData: () => Promise<Buffer | null>,
  want: number,
): Promise<Buffer> {
  if (!snapshot.storageKey) {
    const data = await legacyData();
    if (!data) throw new Error('it has no stored data');
    return data.subarray(0, want);
  }
  const raw = await objects.get(snapshot.storageKey).catch((err: Error) => {
    throw err instanceof ObjectNotFoundError ? err : new StoreUnavailableError(err.message);
  });
  let storeError = null as Error | null;
  raw.once('error', (err: Error) => (storeError = err));
  const open = createOpenStream(box, snapshotContext(snapshot.environmentId, snapshot.id));
  // ends (with an error) once the head is read and the streams are destroyed: nothing waits on it
  pipeline(raw, open).catch(() => undefined);
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of open) {
      chunks.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      if (got >= want) break;
    }
  } catch (err) {
    throw storeError === err ? new StoreUnavailableError((err as Error).message) : err;
  } finally {
    raw.destroy();
    open.destroy();
  }
  return Buffer.concat(chunks).subarray(0, want);
}
