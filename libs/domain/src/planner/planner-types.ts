import type { ComponentKind, HostRole } from '@corral/contracts';
import type { HostState } from '../lifecycle/host-state';

export const ETCD_MEMBER_COUNTS = [1, 3, 5] as const;
export type EtcdMemberCount = (typeof ETCD_MEMBER_COUNTS)[number];

/** What the environment asks for. */
export interface EnvironmentPlanSpec {
  etcdMembers: EtcdMemberCount;
  /** ingress controllers on distinct hosts; default 1, 0 for none */
  ingressReplicas?: number;
}

/** A host as the planner sees it. */
export interface PlannerHost {
  id: string;
  hostname: string;
  address: string;
  /** empty = eligible for every role */
  roles: readonly HostRole[];
  state: HostState;
  labels?: Readonly<Record<string, string>>;
}

/** One component kind on one host. */
export interface Placement {
  hostId: string;
  kind: ComponentKind;
}

export type PlacementChangeReason =
  /** first placement of this kind in the environment */
  | 'Initial'
  /** replaces a placement of this kind that is no longer valid */
  | 'Replacement'
  /** fewer valid placements than requested (also the add after a lost etcd member was removed) */
  | 'ScaledUp'
  /** a host became available for a per-host component (kubelet, kube-proxy) */
  | 'HostAvailable'
  | 'HostLost'
  | 'HostRemoved'
  /** the host is not in the host list any more */
  | 'HostUnknown'
  /** the host's roles no longer allow this component */
  | 'HostIneligible'
  /** more valid placements than requested */
  | 'ScaledDown'
  /** part of a control plane that a disconnected host holds incompletely (it cannot be completed there) */
  | 'Incomplete';

export interface PlacementChange extends Placement {
  action: 'add' | 'remove';
  reason: PlacementChangeReason;
  /** one line for the Event timeline, naming the host */
  message: string;
}

export type PlanRefusalReason = 'QuorumAtRisk' | 'TooManyUnhealthy';

export interface PlanRefusal {
  reason: PlanRefusalReason;
  message: string;
}

/**
 * The single etcd membership step of this plan. `bootstrap` starts a new cluster with all
 * listed members at once (only when there are no members yet); `add` means MemberAdd then
 * start etcd on that host; `remove` means MemberRemove then stop it.
 */
export type EtcdMembershipDecision =
  | { action: 'none'; message: string }
  | { action: 'bootstrap'; hostIds: string[]; message: string }
  | { action: 'add'; hostId: string; reason: PlacementChangeReason; message: string }
  | { action: 'remove'; hostId: string; reason: PlacementChangeReason; message: string }
  /** a member on an active host is not healthy yet: let the last change settle first */
  | { action: 'wait'; reason: 'WaitingForEtcdHealth'; message: string }
  | { action: 'refuse'; reason: PlanRefusalReason; message: string };

export type NeededHosts = Partial<Record<HostRole, number>>;

export interface HostSufficiency {
  sufficient: boolean;
  /** how many more eligible hosts each role needs */
  needed: NeededHosts;
  message: string;
}

export interface PlanInput {
  spec: EnvironmentPlanSpec;
  hosts: readonly PlannerHost[];
  /** what is placed now (desired state last written); its etcd entries are the etcd members */
  current: readonly Placement[];
  /**
   * Health of each current etcd member by host id (from component status). Members on active
   * hosts that are missing here count as healthy; pass it so membership changes wait for the
   * previous one to settle.
   */
  etcdMemberHealth?: Readonly<Record<string, boolean>>;
  /**
   * Largest share (0..1) of non-removed hosts that may be disconnected or lost at once before
   * the planner stops moving anything (a partition or mass outage, not host failures). Default 0.5.
   */
  maxUnhealthy?: number;
}

export interface PlacementPlan {
  /** desired placement, sorted by host id then component kind */
  placement: Placement[];
  /** difference from `current`, removals first */
  changes: PlacementChange[];
  etcd: EtcdMembershipDecision;
  sufficiency: HostSufficiency;
  refusals: PlanRefusal[];
}
