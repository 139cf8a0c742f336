import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectNotFoundError, type ObjectStore, checkObjectKey } from './object-store';
import { measuringTap } from './measuring-tap';

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
    const entries = await readdir(this.dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return entries
      .filter((e) => e.isFile() && !e.name.endsWith('.partial'))
      .map((e) => relative(this.dir, join(e.parentPath, e.name)))
      .filter((key) => key.startsWith(prefix))
      .sort();
  }
}
