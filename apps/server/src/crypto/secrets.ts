import { createHash, randomBytes } from 'node:crypto';

export type SecretKind = 'ak' | 'rt' | 'hc' | 'kt';

/** A new high-entropy secret, prefixed by its kind so a leaked one is recognisable (crl_ak_..., crl_rt_..., crl_hc_..., crl_kt_...). */
export function generateSecret(kind: SecretKind): string {
  return `crl_${kind}_${randomBytes(32).toString('base64url')}`;
}

/** Secrets are 256-bit random values, so a plain SHA-256 is a sound one-way lookup key. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
