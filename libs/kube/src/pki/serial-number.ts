import { crypto } from './web-crypto';

/** 128 random bits as a positive DER integer (RFC 5280 allows up to 20 octets). */
export function randomSerialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}
