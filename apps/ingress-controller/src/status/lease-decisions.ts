import type { V1Ingress, V1Lease } from '@kubernetes/client-node';
import { assignIngressInstances } from '@corral/domain';
import { ingressIdentity, ingressScaleOf } from '../rules/ingress-rules';

/** every instance (one HAProxy on one host) holds a Lease of this name prefix, its holder its address */
export const INSTANCE_LEASE_PREFIX = 'corral-ingress-instance-';
/** the Lease whose holder alone writes Ingress status */
export const STATUS_LEADER_LEASE = 'corral-ingress-status';

const renewedAt = (lease: V1Lease): number => {
  const t = lease.spec?.renewTime ?? lease.spec?.acquireTime;
  return t ? new Date(t).getTime() : 0;
};

/** a Lease whose holder renewed it within its duration */
export function isLeaseLive(lease: V1Lease, now: number): boolean {
  const holder = lease.spec?.holderIdentity;
  const seconds = lease.spec?.leaseDurationSeconds ?? 0;
  return !!holder && renewedAt(lease) + seconds * 1000 > now;
}

/** The addresses of the instances whose Lease is live: what status.loadBalancer.ingress lists. */
export function liveInstanceAddresses(leases: readonly V1Lease[], now: number): string[] {
  const live = leases.filter((l) => l.metadata?.name?.startsWith(INSTANCE_LEASE_PREFIX) && isLeaseLive(l, now));
  return [...new Set(live.map((l) => l.spec!.holderIdentity!))].sort();
}

/**
 * What status.loadBalancer.ingress of one Ingress lists: the live instances assigned to it
 * (corral.dev/scale of them, by rendezvous hashing, as every instance computes it).
 */
export function ingressStatusAddresses(ingress: V1Ingress, live: readonly string[]): string[] {
  return assignIngressInstances(ingressIdentity(ingress), ingressScaleOf(ingress).scale, live).sort();
}

/** What `me` does with the leader Lease: take it (absent, expired or its own) or leave it to its live holder. */
export function leaderAction(lease: V1Lease | undefined, me: string, now: number): 'create' | 'take' | 'follow' {
  if (!lease) return 'create';
  if (lease.spec?.holderIdentity === me || !isLeaseLive(lease, now)) return 'take';
  return 'follow';
}

/** true when the Ingress's status.loadBalancer.ingress is not exactly these addresses */
export function statusDiffers(ingress: V1Ingress, addresses: readonly string[]): boolean {
  const current = (ingress.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').sort();
  return current.join(',') !== [...addresses].sort().join(',');
}
