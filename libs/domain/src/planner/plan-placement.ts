import { COMPONENT_KINDS, type ComponentKind } from '@corral/contracts';
import { assessSufficiency } from './assess-sufficiency';
import { compareIds } from '../shared/compare-ids';
import { availability, canRunKind, CONTROL_PLANE_KINDS, WORKER_KINDS } from './eligibility';
import { tooManyUnhealthy } from './remediation-limit';
import { planControlPlane } from './plan-control-plane';
import { describeHost, goneReason, planEtcd } from './plan-etcd';
import { planIngress } from './plan-ingress';
import { planWorkers } from './plan-workers';
import {
  ETCD_MEMBER_COUNTS,
  type EtcdMembershipDecision,
  type PlacementChange,
  type PlacementChangeReason,
  type Placement,
  type PlacementPlan,
  type PlanInput,
  type PlannerHost,
  type PlanRefusal,
} from './planner-types';

export const DEFAULT_MAX_UNHEALTHY = 0.5;

const KIND_ORDER = new Map<string, number>(COMPONENT_KINDS.map((k, i) => [k, i]));
const byHostThenKind = (a: Placement, b: Placement) =>
  compareIds(a.hostId, b.hostId) || (KIND_ORDER.get(a.kind) ?? 99) - (KIND_ORDER.get(b.kind) ?? 99) || compareIds(a.kind, b.kind);
const isControlPlane = (kind: string) => (CONTROL_PLANE_KINDS as readonly string[]).includes(kind);
const key = (p: Placement) => `${p.hostId}\u0000${p.kind}`;

const REASON_TEXT: Record<PlacementChangeReason, string> = {
  Initial: 'first placement',
  Replacement: 'replaces a placement that is no longer valid',
  ScaledUp: 'fewer than requested',
  HostAvailable: 'host available for workers',
  HostLost: 'host lost',
  HostRemoved: 'host removed',
  HostUnknown: 'host unknown',
  HostIneligible: 'host roles no longer allow it',
  ScaledDown: 'more than requested',
  Incomplete: 'incomplete control plane on a disconnected host',
};

function validate(input: PlanInput): void {
  const { spec, hosts, maxUnhealthy } = input;
  if (!(ETCD_MEMBER_COUNTS as readonly number[]).includes(spec.etcdMembers)) {
    throw new Error(`etcdMembers must be 1, 3 or 5 (got ${spec.etcdMembers})`);
  }
  const replicas = spec.ingressReplicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error(`ingressReplicas must be a whole number >= 0 (got ${replicas})`);
  }
  if (maxUnhealthy !== undefined && !(maxUnhealthy >= 0 && maxUnhealthy <= 1)) {
    throw new Error(`maxUnhealthy must be a share between 0 and 1 (got ${maxUnhealthy})`);
  }
  const seen = new Set<string>();
  for (const h of hosts) {
    if (seen.has(h.id)) throw new Error(`host id ${h.id} appears twice`);
    seen.add(h.id);
  }
}

/**
 * Computes the desired placement of an environment's components on its hosts.
 *
 * - etcd: an odd number (the requested 1/3/5, or the largest odd number the eligible hosts
 *   allow) of distinct active etcd-eligible hosts; after bootstrap at most one membership
 *   change per plan, never one that would break quorum (see planEtcd).
 * - control plane (apiserver, scheduler, controller-manager): stacked on the etcd hosts; an
 *   etcd host without the controlplane role gets its control plane on another
 *   controlplane-eligible host (see planControlPlane).
 * - ingress-controller: `ingressReplicas` (default 1) distinct controlplane/worker-eligible hosts.
 * - kubelet + kube-proxy: every active worker-eligible host.
 *
 * Minimal churn: a placement on an active eligible host is kept unless there are more than
 * requested. Disconnected hosts keep what they have (grace period) but get nothing new; lost
 * and removed hosts lose everything except etcd members that cannot be replaced or removed
 * safely yet. New placements prefer hosts with the requested role set explicitly, then the
 * fewest components, then the lowest id, so the plan is deterministic.
 *
 * When more than `maxUnhealthy` of the non-removed hosts are disconnected or lost, nothing
 * moves: the current placement is returned with a TooManyUnhealthy refusal.
 *
 * Component kinds the planner does not know are passed through unchanged.
 * @throws Error on an invalid spec (etcdMembers not 1/3/5, bad ingressReplicas or maxUnhealthy) or duplicate host ids.
 */
export function planPlacement(input: PlanInput): PlacementPlan {
  validate(input);
  const { spec, hosts } = input;
  const replicas = spec.ingressReplicas ?? 1;
  const maxUnhealthy = input.maxUnhealthy ?? DEFAULT_MAX_UNHEALTHY;
  const hostsById = new Map<string, PlannerHost>(hosts.map((h) => [h.id, h]));
  const sortedHosts = [...hosts].sort((a, b) => compareIds(a.id, b.id));

  const currentKeys = new Set<string>();
  const current: Placement[] = [];
  for (const p of input.current) {
    if (!currentKeys.has(key(p))) {
      currentKeys.add(key(p));
      current.push({ hostId: p.hostId, kind: p.kind });
    }
  }
  current.sort(byHostThenKind);
  const hostsWith = (kinds: readonly string[]) =>
    new Set(current.filter((p) => kinds.includes(p.kind)).map((p) => p.hostId));
  const holds = (hostId: string, kind: string) => currentKeys.has(key({ hostId, kind: kind as ComponentKind }));
  const sufficiency = assessSufficiency(sortedHosts, spec.etcdMembers, replicas, holds);

  const message = tooManyUnhealthy(sortedHosts.map((h) => h.state), maxUnhealthy);
  if (message) {
    return {
      placement: current,
      changes: [],
      etcd: { action: 'refuse', reason: 'TooManyUnhealthy', message },
      sufficiency,
      refusals: [{ reason: 'TooManyUnhealthy', message }],
    };
  }

  const desired = new Map<string, Set<ComponentKind>>();
  const place = (hostId: string, kind: ComponentKind) => {
    if (!desired.has(hostId)) desired.set(hostId, new Set());
    desired.get(hostId)!.add(kind);
  };
  const load = (hostId: string) => desired.get(hostId)?.size ?? 0;

  // Per-host components first, so the load that guides etcd, control plane and ingress includes them.
  for (const p of planWorkers(sortedHosts, holds)) place(p.hostId, p.kind);

  const etcd = planEtcd({
    requested: spec.etcdMembers,
    hosts: hostsById,
    members: [...hostsWith(['etcd'])].sort(compareIds),
    memberHealth: input.etcdMemberHealth,
    load,
  });
  for (const id of etcd.members) place(id, 'etcd');

  const cpHosts = planControlPlane({
    hosts: hostsById,
    current: hostsWith(CONTROL_PLANE_KINDS),
    complete: new Set([...hostsWith(CONTROL_PLANE_KINDS)].filter((id) => CONTROL_PLANE_KINDS.every((kind) => holds(id, kind)))),
    etcdMembers: etcd.members,
    load,
  });
  for (const id of cpHosts) for (const kind of CONTROL_PLANE_KINDS) place(id, kind);

  for (const id of planIngress(sortedHosts, replicas, hostsWith(['ingress-controller']), load)) place(id, 'ingress-controller');

  for (const p of current) if (!KIND_ORDER.has(p.kind)) place(p.hostId, p.kind);

  const placement: Placement[] = [];
  for (const [hostId, kinds] of desired) for (const kind of kinds) placement.push({ hostId, kind });
  placement.sort(byHostThenKind);

  const refusals: PlanRefusal[] = etcd.decision.action === 'refuse' ? [{ reason: etcd.decision.reason, message: etcd.decision.message }] : [];
  return {
    placement,
    changes: diff(current, placement, hostsById, etcd.decision),
    etcd: etcd.decision,
    sufficiency,
    refusals,
  };
}

function diff(
  current: readonly Placement[],
  desired: readonly Placement[],
  hosts: ReadonlyMap<string, PlannerHost>,
  etcd: EtcdMembershipDecision,
): PlacementChange[] {
  const desiredKeys = new Set(desired.map(key));
  const currentKeys = new Set(current.map(key));
  const isInvalid = (p: Placement) => {
    const h = hosts.get(p.hostId);
    return availability(h) === 'gone' || !canRunKind(h!, p.kind);
  };
  const change = (action: 'add' | 'remove', p: Placement, reason: PlacementChangeReason): PlacementChange => ({
    action,
    hostId: p.hostId,
    kind: p.kind,
    reason,
    message: `${action} ${p.kind} on ${describeHost(hosts, p.hostId)}: ${REASON_TEXT[reason]}`,
  });

  const removals = current
    .filter((p) => !desiredKeys.has(key(p)))
    .map((p) => {
      const h = hosts.get(p.hostId);
      let reason: PlacementChangeReason;
      if (availability(h) === 'gone') reason = goneReason(h);
      else if (!canRunKind(h!, p.kind)) reason = 'HostIneligible';
      else if (p.kind === 'etcd' && etcd.action === 'remove') reason = etcd.reason;
      else if (availability(h) === 'held' && isControlPlane(p.kind) && !CONTROL_PLANE_KINDS.every((k) => currentKeys.has(key({ hostId: p.hostId, kind: k }))))
        reason = 'Incomplete';
      else reason = 'ScaledDown';
      return change('remove', p, reason);
    });
  const additions = desired
    .filter((p) => !currentKeys.has(key(p)))
    .map((p) => {
      const sameKind = current.filter((c) => c.kind === p.kind);
      let reason: PlacementChangeReason;
      if (p.kind === 'etcd' && etcd.action === 'add') reason = etcd.reason;
      else if (sameKind.length === 0) reason = 'Initial';
      else if ((WORKER_KINDS as readonly string[]).includes(p.kind)) reason = 'HostAvailable';
      else if (sameKind.some(isInvalid)) reason = 'Replacement';
      else reason = 'ScaledUp';
      return change('add', p, reason);
    });
  return [...removals, ...additions];
}
