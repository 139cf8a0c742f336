import type { Readable } from 'node:stream';

export class ObjectNotFoundError extends Error {}

/**
 * Where snapshot objects live (a directory, or an S3-compatible bucket). Objects are written
 * whole from a stream and become visible only once complete, so a half-written one is never
 * read; every method streams and none holds an object in memory.
 */
export interface ObjectStore {
  /** a name for logs and events, e.g. "filesystem /var/lib/corral/snapshots" */
  readonly description: string;
  /** writes the object from the stream; resolves with its size once it is stored whole */
  put(key: string, body: Readable): Promise<{ bytes: number }>;
  /** the object's bytes (ObjectNotFoundError when absent) */
  get(key: string): Promise<Readable>;
  /** removes the object; absent is fine */
  delete(key: string): Promise<void>;
  /** keys under the prefix */
  list(prefix: string): Promise<string[]>;
  /** the objects under the prefix with when each was last written */
  listObjects(prefix: string): Promise<StoredObjectInfo[]>;
  /** writes that never finished (a crash mid-put): partial files, incomplete multipart uploads */
  listIncomplete(): Promise<IncompleteWrite[]>;
  /** removes an unfinished write (absent is fine); the finished object of the same key is untouched */
  abortIncomplete(write: IncompleteWrite): Promise<void>;
}

export interface StoredObjectInfo {
  key: string;
  modifiedAt: Date;
}

export interface IncompleteWrite {
  /** the key it was writing */
  key: string;
  /** which write it is, in the store's own terms (a partial file's path, an upload id) */
  id: string;
  /** the file's last write, or the upload's start */
  at: Date;
}

export const OBJECT_STORE = Symbol('OBJECT_STORE');

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Keys are built by Corral from ids; anything else (a path out of the store) is refused. */
export function checkObjectKey(key: string): string {
  if (!KEY.test(key) || key.length > 512) throw new Error(`object key ${JSON.stringify(key)} is not a plain relative path`);
  return key;
}
