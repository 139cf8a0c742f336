import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** One key of the ring: its id is derived from the key itself, so it cannot be mislabelled. */
export interface RingKey {
  id: string;
  key: Buffer;
}

/** A sealed value names the key that sealed it; older keys stay usable for opening until a rewrap. */
export class UnknownKeyError extends Error {}

const ID_PATTERN = /^[0-9a-f]{8}$/;

/** The AES-256 key of a configured secret (as the first Corral versions derived it) and its id. */
export function ringKey(secret: string): RingKey {
  const key = createHash('sha256').update(secret, 'utf8').digest();
  return { id: createHash('sha256').update('corral-key-id\0').update(key).digest('hex').slice(0, 8), key };
}

/**
 * AES-256-GCM encryption of secrets at rest (CA keys, kubeconfigs, spec files) with a keyring
 * from configuration: new values are sealed under the newest key, each value carries its key
 * id (`v2.<id>.<iv>.<tag>.<body>`), and a context (e.g. `environment:<id>`) is bound as
 * additional authenticated data, so a value copied to another environment's row does not open.
 * Values in the first format (`v1.`, one key, no id, no context) still open with any ring key.
 */
export class SecretBox {
  readonly keys: readonly RingKey[];

  /** secrets newest first */
  constructor(secrets: string | readonly string[]) {
    const list = typeof secrets === 'string' ? [secrets] : secrets;
    if (list.length === 0) throw new Error('SecretBox needs at least one key');
    this.keys = list.map(ringKey);
    const ids = new Set(this.keys.map((k) => k.id));
    if (ids.size !== this.keys.length) throw new Error('the secret keys hold the same key twice');
  }

  get newestKeyId(): string {
    return this.keys[0].id;
  }

  seal(plaintext: string, context = ''): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(id, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v2', id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  }

  open(sealed: string, context = ''): string {
    const parts = sealed.split('.');
    if (parts[0] === 'v1' && parts.length === 4) return this.openV1(parts);
    const [version, id, iv, tag, body] = parts;
    if (version !== 'v2' || parts.length !== 5 || !ID_PATTERN.test(id)) throw new Error('sealed secret has an unknown format');
    const ring = this.keys.find((k) => k.id === id);
    if (!ring) throw new UnknownKeyError(`sealed secret names key ${id}, which is not in CORRAL_SECRET_KEYS`);
    const decipher = createDecipheriv('aes-256-gcm', ring.key, Buffer.from(iv, 'base64'));
    decipher.setAAD(aad(id, context));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }

  /** The key id a sealed value names ('v1' for the first format), without opening it. */
  static keyIdOf(sealed: string): string | null {
    const parts = sealed.split('.');
    if (parts[0] === 'v1' && parts.length === 4) return 'v1';
    return parts[0] === 'v2' && parts.length === 5 && ID_PATTERN.test(parts[1]) ? parts[1] : null;
  }

  /** Whether a sealed value must be sealed again to be under the newest key. */
  needsRewrap(sealed: string): boolean {
    return SecretBox.keyIdOf(sealed) !== this.newestKeyId;
  }

  private openV1([, iv, tag, body]: string[]): string {
    for (const { key } of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        // sealed under another key of the ring
      }
    }
    throw new UnknownKeyError('sealed secret (v1) opens with none of CORRAL_SECRET_KEYS');
  }
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`corral:v2:${keyId}:${context}`, 'utf8');
}

/** The context an environment's sealed values are bound to. */
export const environmentContext = (environmentId: string): string => `environment:${environmentId}`;
