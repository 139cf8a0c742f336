import type { ComponentKind, HostRole } from '@corral/contracts';
import { compareIds } from '../shared/compare-ids';
import type { PlannerHost } from './planner-types';
import { INGRESS_HOST_LABEL } from '../ingress/ingress-scale';


export const CONTROL_PLANE_KINDS = ['kube-apiserver', 'kube-scheduler', 'kube-controller-manager'] as const;
/** every worker runs these, in start order: the container runtime first, then the node agents */
export const WORKER_KINDS = ['containerd', 'pod-network', 'kubelet', 'kube-proxy', 'cluster-dns'] as const;

/** Roles empty = eligible for everything. */
export function hasRole(host: PlannerHost, role: HostRole): boolean {
  return host.roles.length === 0 || host.roles.includes(role);
}

/** a host its operator marked for load balancers (label corral.dev/ingress=true) */
export function isIngressHost(host: PlannerHost): boolean {
  return host.labels?.[INGRESS_HOST_LABEL] === 'true';
}

/** Ingress controllers run on hosts labelled corral.dev/ingress=true or that may take control-plane or worker duty. */
export function canRunKind(host: PlannerHost, kind: ComponentKind): boolean {
  switch (kind) {
    case 'etcd':
      return hasRole(host, 'etcd');
    case 'kube-apiserver':
    case 'kube-scheduler':
    case 'kube-controller-manager':
      return hasRole(host, 'controlplane');
    case 'ingress-controller':
      return isIngressHost(host) || hasRole(host, 'controlplane') || hasRole(host, 'worker');
    case 'containerd':
    case 'pod-network':
    case 'kubelet':
    case 'kube-proxy':
    case 'cluster-dns':
      return hasRole(host, 'worker');
  }
}

/** active: may receive new components; held: disconnected, keeps what it has; gone: lost, removed or unknown. */
export type HostAvailability = 'active' | 'held' | 'gone';

export function availability(host: PlannerHost | undefined): HostAvailability {
  if (!host) return 'gone';
  if (host.state === 'active') return 'active';
  if (host.state === 'disconnected') return 'held';
  return 'gone';
}

/** Ranks candidates for a new placement: explicit role first (operator intent), then fewest components, then id. */
export function rankCandidates(
  hosts: readonly PlannerHost[],
  load: (hostId: string) => number,
  preferRole: HostRole,
): PlannerHost[] {
  return hosts
    .map((h) => ({ h, explicit: h.roles.includes(preferRole) ? 0 : 1, load: load(h.id) }))
    .sort((a, b) => a.explicit - b.explicit || a.load - b.load || compareIds(a.h.id, b.h.id))
    .map((x) => x.h);
}
