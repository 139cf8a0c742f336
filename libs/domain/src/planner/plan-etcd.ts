import { compareIds } from '../shared/compare-ids';
import { availability, hasRole, rankCandidates } from './eligibility';
import type { EtcdMemberCount, EtcdMembershipDecision, PlacementChangeReason, PlannerHost } from './planner-types';

export interface EtcdPlanInput {
  requested: EtcdMemberCount;
  hosts: ReadonlyMap<string, PlannerHost>;
  /** host ids of the current members */
  members: readonly string[];
  memberHealth?: Readonly<Record<string, boolean>>;
  load: (hostId: string) => number;
}

export interface EtcdPlan {
  /** host ids of the members after this plan's step */
  members: string[];
  decision: EtcdMembershipDecision;
}

/** Votes needed for etcd to commit anything with n members. */
export const etcdQuorum = (n: number): number => Math.floor(n / 2) + 1;

type MemberClass = 'healthy' | 'held' | 'ineligible' | 'heldIneligible' | 'gone';

export function describeHost(hosts: ReadonlyMap<string, PlannerHost>, id: string): string {
  const h = hosts.get(id);
  return h ? `${h.hostname} (${h.address})` : `unknown host ${id}`;
}

export function goneReason(host: PlannerHost | undefined): PlacementChangeReason {
  if (!host) return 'HostUnknown';
  return host.state === 'removed' ? 'HostRemoved' : 'HostLost';
}

/**
 * Decides etcd membership for one plan: a new cluster is bootstrapped with all members at once;
 * after that at most ONE member is added or removed per plan, as etcd's runtime reconfiguration
 * guide asks. Order of preference: remove a member on a lost/removed host (only when a
 * replacement host exists or there are too many members), add a member, remove a surplus or
 * ineligible member. The target size is odd (an even cluster tolerates no more failures than
 * the odd one below it), so growth starts only when it can reach the next odd size, and an even
 * cluster that cannot grow shrinks; except while an etcd-eligible host is disconnected (in its
 * grace period) and etcd is at or below the requested size: that is the middle of a replacement
 * waiting for a host late with its heartbeat, and shrinking would drop a copy of the data only to
 * add it back a moment later.
 * Nothing changes when most members are unreachable (QuorumAtRisk), or while a member on an
 * active host is unhealthy (the previous change has not settled).
 */
export function planEtcd(input: EtcdPlanInput): EtcdPlan {
  const { requested, hosts, members, load } = input;
  const health = input.memberHealth ?? {};
  const name = (id: string) => describeHost(hosts, id);
  const names = (ids: readonly string[]) => ids.map(name).join(', ');
  const unchanged = (decision: EtcdMembershipDecision): EtcdPlan => ({ members: [...members], decision });

  const classOf = (id: string): MemberClass => {
    const host = hosts.get(id);
    const a = availability(host);
    if (a === 'gone') return 'gone';
    const eligible = hasRole(host!, 'etcd');
    if (a === 'active') return eligible ? 'healthy' : 'ineligible';
    return eligible ? 'held' : 'heldIneligible';
  };
  const memberSet = new Set(members);
  const candidates = rankCandidates(
    [...hosts.values()].filter((h) => availability(h) === 'active' && hasRole(h, 'etcd') && !memberSet.has(h.id)),
    load,
    'etcd',
  ).map((h) => h.id);
  // etcd-eligible hosts in their disconnect grace period: likely candidates again in a moment
  const comingBack = [...hosts.values()]
    .filter((h) => availability(h) === 'held' && hasRole(h, 'etcd') && !memberSet.has(h.id))
    .map((h) => h.id)
    .sort(compareIds);
  const oddSize = (available: number) => {
    const size = Math.min(requested, available);
    return size > 0 && size % 2 === 0 ? size - 1 : size;
  };

  const n = members.length;
  if (n === 0) {
    const chosen = candidates.slice(0, oddSize(candidates.length));
    if (chosen.length === 0) return unchanged({ action: 'none', message: 'no active etcd-eligible host to start etcd on' });
    return {
      members: chosen,
      decision: {
        action: 'bootstrap',
        hostIds: chosen,
        message: `start a new etcd cluster with ${chosen.length} member(s) on ${names(chosen)}`,
      },
    };
  }

  const onActive = members.filter((m) => availability(hosts.get(m)) === 'active');
  const unreachable = members.filter((m) => !onActive.includes(m));
  if (onActive.length < etcdQuorum(n)) {
    return unchanged({
      action: 'refuse',
      reason: 'QuorumAtRisk',
      message:
        `${unreachable.length} of ${n} etcd members are on lost or disconnected hosts (${names(unreachable)}): ` +
        `etcd has no quorum, so no member can be added or removed safely; bring those hosts back or restore etcd from a backup`,
    });
  }
  const unhealthy = onActive.filter((m) => health[m] === false);
  const running = onActive.length - unhealthy.length;
  if (running < etcdQuorum(n)) {
    return unchanged({
      action: 'wait',
      reason: 'WaitingForEtcdHealth',
      message: `etcd has no quorum until the members on ${names(unhealthy)} are healthy again; membership is left as it is`,
    });
  }

  const byClass = (c: MemberClass) => members.filter((m) => classOf(m) === c).sort(compareIds);
  // Order of keeping: healthy members, members in their disconnect grace period, new hosts,
  // then members that should move but have no replacement yet.
  const pool = [
    ...byClass('healthy'),
    ...byClass('held'),
    ...candidates,
    ...byClass('ineligible'),
    ...byClass('heldIneligible'),
    ...byClass('gone'),
  ];
  const target = new Set(pool.slice(0, oddSize(pool.length)));
  const removals = pool.filter((m) => memberSet.has(m) && !target.has(m));
  const additions = pool.filter((m) => !memberSet.has(m) && target.has(m));

  const goneRemoval = removals.filter((m) => classOf(m) === 'gone').sort(compareIds)[0];
  if (goneRemoval !== undefined) {
    // A dead member never votes, so removing it cannot lower the live quorum.
    const reason = goneReason(hosts.get(goneRemoval));
    return {
      members: members.filter((m) => m !== goneRemoval),
      decision: {
        action: 'remove',
        hostId: goneRemoval,
        reason,
        message: `remove etcd member on ${name(goneRemoval)} (${reason === 'HostLost' ? 'host lost' : reason === 'HostRemoved' ? 'host removed' : 'host unknown'})`,
      },
    };
  }
  if ((additions.length > 0 || removals.length > 0) && unhealthy.length > 0) {
    return unchanged({
      action: 'wait',
      reason: 'WaitingForEtcdHealth',
      message: `waiting for the etcd members on ${names(unhealthy)} to be healthy before the next membership change`,
    });
  }
  if (additions.length > 0) {
    const hostId = additions[0];
    // The new member counts towards quorum before it has started; growing a single member is
    // the one unavoidable exception.
    if (running < etcdQuorum(n + 1) && n !== 1) {
      return unchanged({
        action: 'refuse',
        reason: 'QuorumAtRisk',
        message: `adding an etcd member on ${name(hostId)} now would leave etcd without quorum until it starts (${running} of ${n} members running)`,
      });
    }
    const replacing = members.some((m) => classOf(m) !== 'healthy' && classOf(m) !== 'held');
    return {
      members: [...members, hostId],
      decision: {
        action: 'add',
        hostId,
        reason: replacing ? 'Replacement' : 'ScaledUp',
        message: `add etcd member on ${name(hostId)} (${n + 1} of ${target.size})`,
      },
    };
  }
  if (removals.length > 0) {
    const hostId = removals[removals.length - 1];
    const cls = classOf(hostId);
    const reason: PlacementChangeReason = cls === 'ineligible' || cls === 'heldIneligible' ? 'HostIneligible' : 'ScaledDown';
    if (reason === 'ScaledDown' && n <= requested && comingBack.length > 0) {
      return unchanged({
        action: 'none',
        message: `etcd has ${n} of ${requested} requested members; keeping all ${n} rather than shrink to an odd size while ${names(comingBack)} is disconnected: it grows to ${n + 1} when one is back`,
      });
    }
    const runningAfter = running - (onActive.includes(hostId) ? 1 : 0);
    if (runningAfter < etcdQuorum(n - 1)) {
      return unchanged({
        action: 'refuse',
        reason: 'QuorumAtRisk',
        message: `removing the etcd member on ${name(hostId)} now would leave etcd without quorum`,
      });
    }
    return {
      members: members.filter((m) => m !== hostId),
      decision: {
        action: 'remove',
        hostId,
        reason,
        message:
          reason === 'HostIneligible'
            ? `remove etcd member on ${name(hostId)} (host no longer has the etcd role)`
            : `remove etcd member on ${name(hostId)} (${n} members, want ${target.size})`,
      },
    };
  }
  const shortBy = requested - n;
  return unchanged({
    action: 'none',
    message:
      shortBy > 0
        ? `etcd has ${n} of ${requested} requested members; not enough eligible hosts to grow to the next odd size`
        : `etcd has ${n} member(s) as requested`,
  });
}
