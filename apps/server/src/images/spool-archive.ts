import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { ImageArchiveInfo, OciArchiveScanner } from './oci-archive';

export interface SpooledArchive {
  /** where the bytes are: the spool file, or the original file when nothing was copied */
  path: string;
  sha256: string;
  sizeBytes: number;
  info: ImageArchiveInfo;
}

/** The archive is larger than allowed; thrown as soon as the limit is passed. */
export class ArchiveTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the archive is larger than ${limit} bytes`);
  }
}

/**
 * Reads an archive from a stream once: hashes it, checks it with OciArchiveScanner and, when
 * `copyTo` is given, writes it there (the request body of an upload; nothing is held in memory).
 * Throws ArchiveTooLargeError past `maxBytes`, ImageArchiveError when it is not an importable
 * OCI image layout (read to its end first, so the client gets an answer rather than a reset).
 */
export async function spoolArchive(source: AsyncIterable<Buffer | string>, options: { maxBytes: number; copyTo?: string; path?: string }): Promise<SpooledArchive> {
  const hash = createHash('sha256');
  const scanner = new OciArchiveScanner();
  const file = options.copyTo ? await open(options.copyTo, 'wx', 0o600) : null;
  let size = 0;
  try {
    for await (const raw of source) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      size += chunk.length;
      if (size > options.maxBytes) throw new ArchiveTooLargeError(options.maxBytes);
      scanner.push(chunk);
      if (scanner.failed) continue; // only counted from here on
      hash.update(chunk);
      if (file) await file.write(chunk);
    }
  } finally {
    await file?.close();
  }
  const info = scanner.finish();
  return { path: options.copyTo ?? options.path ?? '', sha256: hash.digest('hex'), sizeBytes: size, info };
}
