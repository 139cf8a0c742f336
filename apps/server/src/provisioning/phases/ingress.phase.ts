import type { ConditionInput } from '@corral/domain';
import { canRunKind, planIngressScale, type IngressScaleRequest } from '@corral/domain';
import type { ReconcileView } from './reconcile-view';
import { BASE_INGRESS_REPLICAS, toPlannerHost } from './placement.phase';

/** How many ingress-controller instances to place, and the IngressScale condition when the Ingresses were read. */
export interface IngressScaleInput {
  replicas: number;
  condition: ConditionInput | null;
}

/**
 * corral.dev/scale from the environment's last observed Ingress demand (what the
 * ingress-scale-check read through a healthy apiserver), capped by the hosts active now. Before
 * any demand was observed: as many as are placed (a lost one is still re-placed), no condition.
 */
export function ingressScale(demand: readonly IngressScaleRequest[] | null, view: Pick<ReconcileView, 'hosts' | 'current'>): IngressScaleInput {
  if (!demand) return { replicas: Math.max(BASE_INGRESS_REPLICAS, view.current.filter((p) => p.kind === 'ingress-controller').length), condition: null };
  const eligible = view.hosts.filter((h) => h.state === 'active' && canRunKind(toPlannerHost(h), 'ingress-controller'));
  const plan = planIngressScale(BASE_INGRESS_REPLICAS, demand, eligible.length);
  return { replicas: plan.replicas, condition: plan.condition };
}

/** The demand in a stable order (by namespace/name), as it is stored. */
export function sortDemand(demand: readonly IngressScaleRequest[]): IngressScaleRequest[] {
  return [...demand].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Whether two reads of the Ingresses ask for the same (in any order; none read is only the same as none read). */
export function sameDemand(a: readonly IngressScaleRequest[] | null, b: readonly IngressScaleRequest[] | null): boolean {
  if (!a || !b) return a === b;
  const text = (d: readonly IngressScaleRequest[]) => JSON.stringify(sortDemand(d).map((r) => [r.key, r.annotation ?? null]));
  return text(a) === text(b);
}
