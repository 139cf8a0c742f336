/**
 * Which load balancer instances serve an Ingress of scale N: the N live instances that rank
 * highest for it by rendezvous (highest random weight) hashing of the Ingress uid with each
 * instance. Every instance computes the same answer from the same live set, with no coordination;
 * an instance coming or going moves only the Ingresses it ranks in (at most one slot each), and
 * scale N+1 keeps the N instances of scale N.
 */
export function assignIngressInstances(ingressUid: string, scale: number, liveInstances: readonly string[]): string[] {
  const unique = [...new Set(liveInstances)];
  return unique
    .map((instance) => ({ instance, weight: weight(`${ingressUid}\u0000${instance}`) }))
    .sort((a, b) => b.weight - a.weight || (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0))
    .slice(0, Math.max(0, scale))
    .map((x) => x.instance);
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
