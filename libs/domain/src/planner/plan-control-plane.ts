import { compareIds } from '../shared/compare-ids';
import { availability, hasRole, rankCandidates } from './eligibility';
import type { PlannerHost } from './planner-types';

export interface ControlPlanePlanInput {
  hosts: ReadonlyMap<string, PlannerHost>;
  /** hosts with any control-plane component now */
  current: ReadonlySet<string>;
  /** hosts with all three control-plane components now */
  complete: ReadonlySet<string>;
  /** etcd members after this plan */
  etcdMembers: readonly string[];
  load: (hostId: string) => number;
}

/**
 * Hosts for kube-apiserver, kube-scheduler and kube-controller-manager (always together).
 * Stacked topology as kubeadm does: one control plane per reachable etcd member, on that
 * member's host. When an etcd host may not run the control plane (roles without
 * controlplane, e.g. dedicated etcd hosts), its control plane goes to another active
 * controlplane-eligible host instead, so the API keeps as many replicas as etcd has members
 * (apiserver talks to every etcd member over the network either way). Existing valid
 * control-plane hosts are kept first (minimal churn), those on etcd hosts before the rest; a
 * disconnected host keeps its control plane only if it is complete.
 */
export function planControlPlane(input: ControlPlanePlanInput): string[] {
  const { hosts, current, complete, etcdMembers, load } = input;
  const etcd = new Set(etcdMembers);
  const canReceive = (id: string) => {
    const h = hosts.get(id);
    return availability(h) === 'active' && hasRole(h!, 'controlplane');
  };
  // A disconnected host keeps a complete control plane, but cannot be given missing pieces.
  const canHold = (id: string) => {
    const h = hosts.get(id);
    return canReceive(id) || (availability(h) === 'held' && hasRole(h!, 'controlplane') && complete.has(id));
  };
  const target = etcdMembers.filter((m) => availability(hosts.get(m)) !== 'gone').length;

  const kept = [...current].filter(canHold).sort((a, b) => Number(!etcd.has(a)) - Number(!etcd.has(b)) || compareIds(a, b));
  const stacked = [...etcdMembers].filter((m) => canReceive(m) && !current.has(m)).sort(compareIds);
  const taken = new Set([...kept, ...stacked]);
  const others = rankCandidates(
    [...hosts.values()].filter((h) => canReceive(h.id) && !taken.has(h.id)),
    load,
    'controlplane',
  ).map((h) => h.id);
  return [...kept, ...stacked, ...others].slice(0, target);
}
