/** An IPv4 CIDR block; `network` is the first address as an unsigned 32-bit number. */
export interface Ipv4Cidr {
  network: number;
  prefix: number;
  /** canonical text, e.g. "10.42.0.0/16" */
  cidr: string;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;
const TWO_32 = 2 ** 32;

/** Parses dotted-quad IPv4 text into an unsigned 32-bit number. @throws Error on invalid text. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p) && Number(p) <= 255)) {
    throw new Error(`invalid IPv4 address ${JSON.stringify(text)}: expected four numbers 0-255, e.g. 10.43.0.1`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Formats an unsigned 32-bit number as dotted-quad IPv4. */
export function formatIpv4(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= TWO_32) throw new Error(`not an IPv4 address number: ${n}`);
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Number of addresses in a block of this prefix length. */
export const blockSize = (prefix: number): number => 2 ** (32 - prefix);

/**
 * Parses "a.b.c.d/n" (IPv4 only). The address must be the network address: "10.42.1.0/16" is
 * rejected with the canonical form suggested, because a misaligned block is almost always a typo.
 * @throws Error with a clear message.
 */
export function parseCidr(text: string): Ipv4Cidr {
  const fail = (why: string) => new Error(`invalid CIDR ${JSON.stringify(text)}: ${why}`);
  if (typeof text !== 'string') throw fail('not a string');
  const slash = text.indexOf('/');
  if (slash < 0) throw fail('missing "/prefix" (e.g. 10.42.0.0/16)');
  const prefixText = text.slice(slash + 1);
  if (!/^(\d|[12]\d|3[0-2])$/.test(prefixText)) throw fail('prefix length must be 0-32');
  const prefix = Number(prefixText);
  let address: number;
  try {
    address = parseIpv4(text.slice(0, slash));
  } catch (e) {
    throw fail((e as Error).message);
  }
  const size = blockSize(prefix);
  const network = address - (address % size);
  if (network !== address) throw fail(`host bits are set; did you mean ${formatIpv4(network)}/${prefix}?`);
  return { network, prefix, cidr: `${formatIpv4(network)}/${prefix}` };
}

/** Returns a message explaining why the text is not a valid IPv4 CIDR, or null. */
export function validateCidr(text: string): string | null {
  try {
    parseCidr(text);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** True when the address lies inside the block. */
export function cidrContains(cidr: string, ip: string): boolean {
  const { network, prefix } = parseCidr(cidr);
  const n = parseIpv4(ip);
  return n >= network && n < network + blockSize(prefix);
}

/** True when two blocks share any address (e.g. a cluster CIDR overlapping the service CIDR). */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x.network < y.network + blockSize(y.prefix) && y.network < x.network + blockSize(x.prefix);
}

/**
 * The n-th address of a block (0 = network address). serviceIp("10.43.0.0/16", 10) is the
 * conventional cluster DNS address 10.43.0.10. @throws Error when n is outside the block.
 */
export function nthIp(cidr: string, n: number): string {
  const { network, prefix } = parseCidr(cidr);
  if (!Number.isInteger(n) || n < 0 || n >= blockSize(prefix)) {
    throw new Error(`address #${n} is outside ${cidr} (${blockSize(prefix)} addresses)`);
  }
  return formatIpv4(network + n);
}

/**
 * The first usable address of the service CIDR, which Kubernetes gives to the `kubernetes`
 * service and which must be in the apiserver certificate: "10.43.0.0/16" -> "10.43.0.1".
 * @throws Error when the CIDR is invalid or has no usable address (/31, /32).
 */
export function firstServiceIp(serviceCidr: string): string {
  const { prefix } = parseCidr(serviceCidr);
  if (prefix > 30) throw new Error(`service CIDR ${serviceCidr} is too small: use a prefix of /30 or shorter (typically /16)`);
  return nthIp(serviceCidr, 1);
}
