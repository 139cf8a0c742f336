import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { type SecretBox, UnknownKeyError } from './secret-box';

/**
 * Streaming AEAD for large values at rest (etcd snapshots), in the shape of age's STREAM: a
 * header (magic, key id, random salt) and chunks of at most 1 MiB, each AES-256-GCM under a key
 * derived from the ring key and the salt, with its index as nonce and (index, final flag, key
 * id, context) as additional data. Reordered, dropped, repeated or truncated chunks and a value
 * moved to another context all fail to open; memory stays at about one chunk either way.
 *
 *   header: "CRLSTRM1" | key id (8 ascii hex) | salt (16)
 *   chunk:  plaintext length (u32 BE) | final (u8) | ciphertext | tag (16)
 */
const MAGIC = Buffer.from('CRLSTRM1', 'ascii');
const HEADER_BYTES = MAGIC.length + 8 + 16;
const FRAME_BYTES = 5;
const TAG_BYTES = 16;
export const SEALED_CHUNK_BYTES = 1 << 20;

function streamKey(key: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, 'corral-stream-v1', 32));
}

function nonce(index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(index), 4);
  return iv;
}

function aad(keyId: string, context: string, index: number, final: boolean): Buffer {
  return Buffer.from(`corral-stream:v1:${keyId}:${context}:${index}:${final ? 1 : 0}`, 'utf8');
}

/** Buffers written bytes and hands out exact-size slices without copying more than needed. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.parts.push(chunk);
    this.length += chunk.length;
  }

  peek(n: number): Buffer {
    return this.take(n, false);
  }

  take(n: number, consume = true): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let i = 0;
    let offset = 0;
    while (filled < n) {
      const part = this.parts[i];
      const copied = part.copy(out, filled, offset, Math.min(part.length, offset + n - filled));
      filled += copied;
      if (offset + copied === part.length) {
        i++;
        offset = 0;
      } else offset += copied;
    }
    if (consume) {
      this.parts = this.parts.slice(i);
      if (offset) this.parts[0] = this.parts[0].subarray(offset);
      this.length -= n;
    }
    return out;
  }
}

/** Seals what is written under the ring's newest key; the output is the sealed stream. */
export function createSealStream(box: SecretBox, context: string): Transform {
  const { id, key } = box.keys[0];
  const salt = randomBytes(16);
  const subkey = streamKey(key, salt);
  const queue = new ByteQueue();
  let index = 0;
  let headerSent = false;
  const frame = (plaintext: Buffer, final: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', subkey, nonce(index));
    cipher.setAAD(aad(id, context, index, final));
    const head = Buffer.alloc(FRAME_BYTES);
    head.writeUInt32BE(plaintext.length, 0);
    head[4] = final ? 1 : 0;
    const body = Buffer.concat([head, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    index++;
    return body;
  };
  const header = () => {
    if (headerSent) return [];
    headerSent = true;
    return [Buffer.concat([MAGIC, Buffer.from(id, 'ascii'), salt])];
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      queue.push(chunk);
      for (const h of header()) this.push(h);
      // strictly more than a chunk: the last chunk is only known at the end, and carries the final flag
      while (queue.length > SEALED_CHUNK_BYTES) this.push(frame(queue.take(SEALED_CHUNK_BYTES), false));
      done();
    },
    flush(done: TransformCallback) {
      for (const h of header()) this.push(h);
      this.push(frame(queue.take(queue.length), true));
      done();
    },
  });
}

/** The key id a sealed stream names, from its first bytes (null when they are not a sealed stream's header). */
export function sealedStreamKeyId(head: Buffer): string | null {
  if (head.length < HEADER_BYTES || !head.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  return head.subarray(MAGIC.length, MAGIC.length + 8).toString('ascii');
}

/** Opens a sealed stream; fails (as a stream error) on anything tampered with, truncated or sealed elsewhere. */
export function createOpenStream(box: SecretBox, context: string): Transform {
  const queue = new ByteQueue();
  let subkey: Buffer | null = null;
  let keyId = '';
  let index = 0;
  let ended = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      queue.push(chunk);
      try {
        if (!subkey) {
          if (queue.length < HEADER_BYTES) return done();
          const head = queue.take(HEADER_BYTES);
          const id = sealedStreamKeyId(head);
          if (!id) throw new Error('sealed stream: not a sealed stream (bad header)');
          const ring = box.keys.find((k) => k.id === id);
          if (!ring) throw new UnknownKeyError(`sealed stream names key ${id}, which is not in CORRAL_SECRET_KEYS`);
          keyId = id;
          subkey = streamKey(ring.key, head.subarray(MAGIC.length + 8));
        }
        while (queue.length >= FRAME_BYTES) {
          if (ended) throw new Error('sealed stream: data after the final chunk');
          const head = queue.peek(FRAME_BYTES);
          const length = head.readUInt32BE(0);
          const final = head[4] === 1;
          if (length > SEALED_CHUNK_BYTES || head[4] > 1) throw new Error('sealed stream: corrupt chunk header');
          if (queue.length < FRAME_BYTES + length + TAG_BYTES) break;
          queue.take(FRAME_BYTES);
          const body = queue.take(length);
          const tag = queue.take(TAG_BYTES);
          const decipher = createDecipheriv('aes-256-gcm', subkey, nonce(index));
          decipher.setAAD(aad(keyId, context, index, final));
          decipher.setAuthTag(tag);
          const plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
          index++;
          ended = final;
          if (plaintext.length) this.push(plaintext);
        }
        done();
      } catch (err) {
        done(/unable to authenticate|Unsupported state/i.test(String((err as Error)?.message)) ? new Error(`sealed stream: chunk ${index} does not authenticate (tampered, reordered, or sealed for another context)`) : (err as Error));
      }
    },
    flush(done: TransformCallback) {
      done(ended && queue.length === 0 ? undefined : new Error('sealed stream: truncated (no final chunk)'));
    },
  });
}
