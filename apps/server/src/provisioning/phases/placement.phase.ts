import type { ComponentKind } from '@corral/contracts';
import {
  componentKey,
  isHealthyOnSpec,
  planPlacement,
  planPodNetwork,
  WORKER_KINDS,
  type Placement,
  type PlacementPlan,
  type PlannerHost,
  type PodNetworkPlan,
} from '@corral/domain';
import { NODE_CIDR_MASK_SIZE, readNodeCidr } from '@corral/kube';
import { hostAddress, type ReconcileEnvironment, type ReconcileHost, type ReconcileView } from './reconcile-view';

/** ingress-controller replicas (one HAProxy each) with no Ingress asking for more (corral.dev/scale) */
export const BASE_INGRESS_REPLICAS = 1;

/** Plans placement from a view of the current placement (the membership step plans again from etcd's). */
export type Replan = (current: Placement[]) => PlacementPlan;

/** The placement phase's result, as far as it lands on known hosts. */
export interface PlacedHosts {
  plan: PlacementPlan;
  /** the plan's placement on the environment's hosts (an etcd member known only to etcd is left out) */
  placement: Placement[];
  /** kinds to build per host: worker kinds are left out where the pod network had no CIDR left */
  kindsByHost: Map<string, ComponentKind[]>;
  controlPlaneHosts: ReconcileHost[];
  etcdHosts: ReconcileHost[];
  podNetwork: PodNetworkPlan;
}

export function toPlannerHost(host: ReconcileHost): PlannerHost {
  return { id: host.id, hostname: host.hostname, address: hostAddress(host), roles: host.roles, state: host.state, labels: host.labels };
}

/**
 * A member counts as healthy only when it reports healthy on the spec written for it: a member
 * just added (no report yet) or restarting holds the next membership change back.
 */
export function etcdMemberHealth(view: Pick<ReconcileView, 'components' | 'statusOf'>): Record<string, boolean> {
  return Object.fromEntries(
    view.components.filter((c) => c.kind === 'etcd').map((c) => [c.hostId, isHealthyOnSpec(view.statusOf.get(componentKey(c.hostId, c.name)), c.specHash)]),
  );
}

export function placementPlanner(env: Pick<ReconcileEnvironment, 'etcdMembers'>, view: Pick<ReconcileView, 'hosts' | 'components' | 'statusOf'>, maxUnhealthy: number, ingressReplicas: number): Replan {
  const hosts = view.hosts.map(toPlannerHost);
  const health = etcdMemberHealth(view);
  return (current) =>
    planPlacement({
      spec: { etcdMembers: env.etcdMembers as 1 | 3 | 5, ingressReplicas },
      hosts,
      current,
      etcdMemberHealth: health,
      maxUnhealthy,
    });
}

/** Before etcd exists, nothing starts until enough hosts registered. */
export function waitsForHosts(plan: PlacementPlan, current: readonly Placement[]): boolean {
  return !current.some((p) => p.kind === 'etcd') && !plan.sufficiency.sufficient;
}

export function placeOnHosts(env: Pick<ReconcileEnvironment, 'networking'>, view: Pick<ReconcileView, 'hosts' | 'hostById' | 'written'>, plan: PlacementPlan): PlacedHosts {
  const placement = plan.placement.filter((p) => view.hostById.has(p.hostId));
  const kindsByHost = new Map<string, ComponentKind[]>();
  for (const p of placement) kindsByHost.set(p.hostId, [...(kindsByHost.get(p.hostId) ?? []), p.kind]);
  const podNetwork = planHostPodNetwork(env, view, kindsByHost);
  for (const hostId of podNetwork.exhausted) {
    kindsByHost.set(hostId, kindsByHost.get(hostId)!.filter((k) => !WORKER_KINDS.includes(k as (typeof WORKER_KINDS)[number])));
  }
  const hostsOf = (kind: ComponentKind) => placement.filter((p) => p.kind === kind).map((p) => view.hostById.get(p.hostId)!);
  return { plan, placement, kindsByHost, controlPlaneHosts: hostsOf('kube-apiserver'), etcdHosts: hostsOf('etcd'), podNetwork };
}

/**
 * Corral's IPAM: every worker (a host with containerd placed) keeps the pod CIDR its written
 * pod-network spec carries, new ones get the lowest free block; a worker the cluster CIDR has
 * no room for is listed as exhausted (it gets no worker components until one frees up).
 */
function planHostPodNetwork(env: Pick<ReconcileEnvironment, 'networking'>, view: Pick<ReconcileView, 'hosts' | 'written'>, kindsByHost: Map<string, ComponentKind[]>): PodNetworkPlan {
  const workers = view.hosts.filter((h) => kindsByHost.get(h.id)?.includes('containerd'));
  const existing: Record<string, string> = {};
  for (const h of workers) {
    const spec = view.written.get(componentKey(h.id, 'pod-network'))?.spec;
    const cidr = spec && readNodeCidr(spec);
    if (cidr) existing[h.id] = cidr;
  }
  return planPodNetwork(env.networking.clusterCidr, NODE_CIDR_MASK_SIZE, workers.map((h) => ({ id: h.id, address: hostAddress(h) })), existing);
}
