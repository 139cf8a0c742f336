import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type IncompleteWrite, ObjectNotFoundError, type ObjectStore, type StoredObjectInfo, checkObjectKey } from './object-store';
import { measuringTap } from './measuring-tap';

/** `<key>.<12 hex>.partial`: the temporary name a put writes before renaming it to the key */
const PARTIAL = /^(.+)\.[0-9a-f]{12}\.partial$/;

/** Objects as files under one directory (mode 0600): written to a temporary name, synced, then renamed. */
export class FilesystemObjectStore implements ObjectStore {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `filesystem ${dir}`;
  }

  async put(key: string, body: Readable): Promise<{ bytes: number }> {
    const path = join(this.dir, checkObjectKey(key));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`;
    const measured = measuringTap();
    try {
      await pipeline(body, measured.tap, createWriteStream(temporary, { mode: 0o600 }));
      const handle = await open(temporary, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
      return { bytes: measured.bytes() };
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    const path = join(this.dir, checkObjectKey(key));
    const stream = createReadStream(path);
    // opening fails asynchronously: wait for it, so a missing object is an error here and not mid-stream
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new ObjectNotFoundError(`object ${key} not found in ${this.description}`) : err));
    });
    return stream;
  }

  async delete(key: string): Promise<void> {
    await rm(join(this.dir, checkObjectKey(key)), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.files()).filter((f) => !f.endsWith('.partial') && f.startsWith(prefix)).sort();
  }

  async listObjects(prefix: string): Promise<StoredObjectInfo[]> {
    const keys = await this.list(prefix);
    const infos = await Promise.all(keys.map(async (key) => ({ key, modifiedAt: await this.modifiedAt(key) })));
    return infos.filter((i): i is StoredObjectInfo => i.modifiedAt !== null);
  }

  async listIncomplete(): Promise<IncompleteWrite[]> {
    const writes: IncompleteWrite[] = [];
    for (const id of await this.files()) {
      const key = PARTIAL.exec(id)?.[1];
      const at = key ? await this.modifiedAt(id) : null;
      if (key && at) writes.push({ key, id, at });
    }
    return writes;
  }

  async abortIncomplete(write: IncompleteWrite): Promise<void> {
    if (!PARTIAL.test(write.id)) throw new Error(`${JSON.stringify(write.id)} is not a partial file`);
    await rm(join(this.dir, checkObjectKey(write.id)), { force: true });
  }

  /** every file under the directory, relative to it */
  private async files(): Promise<string[]> {
    const entries = await readdir(this.dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return entries.filter((e) => e.isFile()).map((e) => relative(this.dir, join(e.parentPath, e.name)));
  }

  /** the file's last write, or null once it is gone (a put renamed it, a delete removed it) */
  private async modifiedAt(relativePath: string): Promise<Date | null> {
    return stat(join(this.dir, relativePath)).then(
      (s) => s.mtime,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      },
    );
  }
}
