import { compareIds } from '../shared/compare-ids';
import { availability, canRunKind, WORKER_KINDS } from './eligibility';
import type { Placement, PlannerHost } from './planner-types';

/**
 * containerd, kubelet and kube-proxy on every active worker-eligible host. A disconnected worker-eligible
 * host keeps whichever of them it already runs (grace period: a short network blip must not
 * restart a node's kubelet) and gets nothing new.
 */
export function planWorkers(hosts: readonly PlannerHost[], holds: (hostId: string, kind: string) => boolean): Placement[] {
  const out: Placement[] = [];
  for (const h of [...hosts].sort((a, b) => compareIds(a.id, b.id))) {
    if (!canRunKind(h, 'kubelet')) continue;
    const a = availability(h);
    for (const kind of WORKER_KINDS) {
      if (a === 'active' || (a === 'held' && holds(h.id, kind))) out.push({ hostId: h.id, kind });
    }
  }
  return out;
}
