/**
 * IPv4 addresses and CIDR blocks as unsigned 32-bit numbers. The pod network is IPv4 only (as
 * the cluster CIDR Corral's IPAM hands out).
 */

export interface Cidr {
  /** the network address, host bits zero */
  readonly network: number;
  readonly prefix: number;
  /** canonical text, e.g. 10.42.1.0/24 */
  readonly text: string;
}

/** Why a CIDR or address was not accepted; the message is meant for a flag error. */
export class AddressError extends Error {}

const OCTET = /^(0|[1-9]\d{0,2})$/;

/** A dotted quad (no leading zeros, which some tools read as octal), or null. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** the netmask of a prefix length as an unsigned number */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/n" with the host bits zero; throws AddressError saying what is wrong. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new AddressError(`${JSON.stringify(text)} is not an IPv4 CIDR (a.b.c.d/n)`);
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === null || !/^(0|[1-9]\d?)$/.test(prefixText) || Number(prefixText) > 32) {
    throw new AddressError(`${JSON.stringify(text)} is not an IPv4 CIDR (a.b.c.d/n)`);
  }
  const prefix = Number(prefixText);
  const network = (address & maskOf(prefix)) >>> 0;
  const canonical = `${formatIpv4(network)}/${prefix}`;
  if (network !== address) throw new AddressError(`${text} has host bits set (the block is ${canonical})`);
  return { network, prefix, text: canonical };
}

/** inner lies completely within outer (a block contains itself) */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && (inner.network & maskOf(outer.prefix)) >>> 0 === outer.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

export function cidrHasAddress(cidr: Cidr, address: number): boolean {
  return (address & maskOf(cidr.prefix)) >>> 0 === cidr.network;
}
