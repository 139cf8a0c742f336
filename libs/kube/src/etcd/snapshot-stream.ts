import { createHash } from 'node:crypto';

const SHA256_BYTES = 32;
/** bbolt's smallest database is a few pages; anything shorter is not a snapshot */
const MIN_DATABASE_BYTES = 4096;

/**
 * The database bytes of an etcd gateway snapshot answer: JSON lines with base64 blobs, the bolt
 * database followed by its SHA-256 (32 bytes, possibly split across blobs). The checksum is held
 * back and checked at the end: a mismatch, a cut or an error message fails the iteration, and
 * memory stays at a few blobs whatever the size.
 */
export async function* snapshotBytes(res: AsyncIterable<Buffer>, endpoint: string): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let pending = '';
  let tail: Buffer = Buffer.alloc(0);
  let total = 0;
  function* take(blob: Buffer): Generator<Buffer> {
    const all = tail.length ? Buffer.concat([tail, blob]) : blob;
    total += blob.length;
    if (all.length <= SHA256_BYTES) {
      tail = all;
      return;
    }
    const out = all.subarray(0, all.length - SHA256_BYTES);
    tail = Buffer.from(all.subarray(all.length - SHA256_BYTES));
    hash.update(out);
    yield out;
  }
  const parse = (line: string): Buffer | null => {
    if (!line.trim()) return null;
    const message = JSON.parse(line) as { result?: { blob?: string }; error?: { message?: string } };
    if (message.error) throw new Error(`etcd snapshot failed: ${message.error.message ?? JSON.stringify(message.error)}`);
    return message.result?.blob ? Buffer.from(message.result.blob, 'base64') : null;
  };
  for await (const chunk of res) {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const blob = parse(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      if (blob) yield* take(blob);
      newline = pending.indexOf('\n');
    }
  }
  const last = parse(pending);
  if (last) yield* take(last);
  if (total < SHA256_BYTES + MIN_DATABASE_BYTES) throw new Error(`etcd snapshot from ${endpoint} is too short (${total} bytes)`);
  if (!hash.digest().equals(tail)) throw new Error(`etcd snapshot from ${endpoint} does not match its checksum`);
}
