import type { Placement, PlacementPlan } from '@corral/domain';
import { urlHost, type EtcdClusterMember } from '@corral/kube';
import type { MembershipInput } from '../etcd/etcd-membership.service';

/** Pseudo host id for an etcd member whose peer address is none of the environment's hosts. */
export const UNKNOWN_MEMBER_PREFIX = 'etcd-member:';

/**
 * etcd's member list is the truth: when the written placement's etcd members differ from it,
 * the plan is made again from a placement with etcd's members (a member on no known host gets
 * a pseudo host id), so a crash between a member API call and the desired-state write is
 * repaired, not repeated.
 */
export function replanFromEtcd(input: Pick<MembershipInput, 'plan' | 'current' | 'hosts' | 'replan'>, members: readonly EtcdClusterMember[]): { plan: PlacementPlan; current: Placement[]; truth: string[]; differs: boolean } {
  const placed = input.current.filter((p) => p.kind === 'etcd').map((p) => p.hostId);
  const hostOfAddress = new Map(input.hosts.map((h) => [h.address, h.id]));
  const truth = members.map((m) => hostOfAddress.get(urlHost(m.peerUrls[0] ?? '')) ?? `${UNKNOWN_MEMBER_PREFIX}${m.id}`);
  const differs = truth.length !== placed.length || truth.some((id) => !placed.includes(id));
  if (!differs) return { plan: input.plan, current: input.current, truth, differs };
  const current = [...input.current.filter((p) => p.kind !== 'etcd'), ...truth.map((hostId) => ({ hostId, kind: 'etcd' as const }))];
  return { plan: input.replan(current), current, truth, differs };
}
