/**
 * Rendezvous (highest random weight) hashing: candidates ordered by a weight of (key, candidate).
 * Every caller gets the same order from the same set without coordinating, and a candidate coming
 * or going moves only the keys it ranks first for.
 */
export function rendezvousOrder(key: string, candidates: readonly string[]): string[] {
  return [...new Set(candidates)]
    .map((candidate) => ({ candidate, weight: weight(`${key}\u0000${candidate}`) }))
    .sort((a, b) => b.weight - a.weight || (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0))
    .map((x) => x.candidate);
}

/** cyrb53: a fast 53-bit string hash with good avalanche, enough to spread rendezvous weights */
function weight(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
