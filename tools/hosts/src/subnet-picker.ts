/** The harness only ever uses /24s from this /16. */
export const HARNESS_SUPERNET = '10.213.0.0/16';

export interface Cidr {
  base: number;
  prefix: number;
}

export function parseIpv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) throw new Error(`not an IPv4 address: ${ip}`);
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Cidr {
  const [ip, prefixText] = text.split('/');
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`bad CIDR: ${text}`);
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(parseIpv4(ip) / size) * size, prefix };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix);
  const bEnd = b.base + 2 ** (32 - b.prefix);
  return a.base < bEnd && b.base < aEnd;
}

/**
 * IPv4 prefixes in use, from `ip -o -4 addr show` and `ip -4 route show table all`.
 * A default route is not a prefix in use: it would rule out every subnet.
 */
export function usedPrefixes(addrOutput: string, routeOutput: string): Cidr[] {
  const out: Cidr[] = [];
  for (const m of addrOutput.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\/(\d+)/g)) {
    out.push(parseCidr(`${m[1]}/32`), parseCidr(`${m[1]}/${m[2]}`));
  }
  for (const line of routeOutput.split('\n')) {
    const m = /^(?:(?:unicast|local|broadcast|blackhole|unreachable|prohibit|throw)\s+)?(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)\s/.exec(line.trim() + ' ');
    if (m) out.push(parseCidr(m[1]));
  }
  return out;
}

/**
 * Picks a free /24 inside HARNESS_SUPERNET, avoiding prefixes in use and third octets in
 * `taken`. Octets 0 and 255 are skipped so addresses never look like network/broadcast.
 * Returns null when nothing is free.
 */
export function pickSubnet(used: Cidr[], taken: ReadonlySet<number>, random: () => number = Math.random): string | null {
  const supernet = parseCidr(HARNESS_SUPERNET);
  const free: number[] = [];
  for (let octet = 1; octet <= 254; octet++) {
    if (taken.has(octet)) continue;
    const candidate: Cidr = { base: supernet.base + octet * 256, prefix: 24 };
    // Prefixes wider than a /16 (10.0.0.0/8 via a VPN, say) lose to our more specific
    // connected /24, so only narrower ones and single addresses count as clashes.
    if (used.some((u) => u.prefix >= 16 && overlaps(u, candidate))) continue;
    free.push(octet);
  }
  if (free.length === 0) return null;
  const octet = free[Math.floor(random() * free.length)];
  return `${formatIpv4(supernet.base + octet * 256)}/24`;
}

/** Third octet of a /24 inside HARNESS_SUPERNET. */
export function subnetOctet(subnet: string): number {
  return (parseCidr(subnet).base >>> 8) & 255;
}

/** Address number `hostPart` (1..254) inside a /24. */
export function addressIn(subnet: string, hostPart: number): string {
  if (!Number.isInteger(hostPart) || hostPart < 1 || hostPart > 254) throw new Error(`host part out of range: ${hostPart}`);
  return formatIpv4(parseCidr(subnet).base + hostPart);
}
