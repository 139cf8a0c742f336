import { rendezvousOrder } from '../shared/rendezvous';

/**
 * Which load balancer instances serve an Ingress of scale N: the N live instances that rank
 * highest for it by rendezvous hashing of the Ingress uid with each instance. Every instance
 * computes the same answer from the same live set, with no coordination; an instance coming or
 * going moves only the Ingresses it ranks in (at most one slot each), and scale N+1 keeps the N
 * instances of scale N.
 */
export function assignIngressInstances(ingressUid: string, scale: number, liveInstances: readonly string[]): string[] {
  return rendezvousOrder(ingressUid, liveInstances).slice(0, Math.max(0, scale));
}
