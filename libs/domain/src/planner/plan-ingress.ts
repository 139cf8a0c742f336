import { compareIds } from '../shared/compare-ids';
import { availability, canRunKind, isIngressHost, rankCandidates } from './eligibility';
import type { PlannerHost } from './planner-types';

/**
 * Hosts for the ingress controller replicas, one per host: keep current valid replicas
 * (active hosts first, then disconnected ones in their grace period), then add the
 * best-ranked active eligible hosts (labelled corral.dev/ingress=true, explicit worker role,
 * fewest components, id). Fewer replicas than placed drop the last kept ones.
 */
export function planIngress(
  hosts: readonly PlannerHost[],
  replicas: number,
  current: ReadonlySet<string>,
  load: (hostId: string) => number,
): string[] {
  const eligible = hosts.filter((h) => canRunKind(h, 'ingress-controller'));
  const kept = eligible
    .filter((h) => current.has(h.id) && availability(h) !== 'gone')
    .sort((a, b) => Number(a.state !== 'active') - Number(b.state !== 'active') || compareIds(a.id, b.id))
    .map((h) => h.id);
  const fresh = rankCandidates(
    eligible.filter((h) => !current.has(h.id) && availability(h) === 'active'),
    load,
    'worker',
  )
    .sort((a, b) => Number(isIngressHost(b)) - Number(isIngressHost(a)))
    .map((h) => h.id);
  return [...kept, ...fresh].slice(0, replicas);
}
