import { COMPONENT_KINDS } from '@corral/contracts';
import { compareIds } from '../shared/compare-ids';
import { componentKey } from '../reconcile/component-key';

/** One component of an environment: the spec written now, the one wanted next, and what runs. */
export interface RolloutComponent {
  hostId: string;
  name: string;
  kind: string;
  /** spec hash in the desired state now; null when the component is new */
  currentHash: string | null;
  /** spec hash wanted; null when the component goes away */
  nextHash: string | null;
  /** what the agent reports; null when nothing is reported */
  observed: { specHash: string; healthy: boolean } | null;
  /** reports from hosts that are not active are stale: such components never hold others back */
  hostActive: boolean;
  /** how messages name it, e.g. "kube-apiserver on node-1"; default its name */
  label?: string;
}

export interface RolloutPlan {
  /** "<hostId>/<name>" of updates to write now */
  release: string[];
  /** "<hostId>/<name>" of updates that keep their current spec for now */
  hold: string[];
  /** why updates are held, for a condition; null when nothing is held */
  waitingFor: string | null;
}

export const rolloutKey = (c: { hostId: string; name: string }): string => componentKey(c.hostId, c.name);

const KIND_ORDER = new Map<string, number>(COMPONENT_KINDS.map((k, i) => [k, i]));
const settled = (c: RolloutComponent) => c.currentHash !== null && c.observed !== null && c.observed.specHash === c.currentHash && c.observed.healthy;

/**
 * Rolls spec changes of running components one at a time per environment, so that a change
 * touching every host (new certificates, a new etcd member list for the apiservers) never
 * takes more than one healthy component down at once:
 *
 * - new and removed components are not updates: they always go through;
 * - an update of a component that is not healthy on its current spec goes through at once
 *   (it is down anyway, and holding it could keep it down);
 * - of the updates to healthy components, one goes through, and only while every other
 *   component on an active host is healthy on its current spec; the rest are held. Order:
 *   component kind (etcd first), then host id, then name, so every server picks the same one.
 */
export function planRollout(components: readonly RolloutComponent[]): RolloutPlan {
  const updates = components.filter((c) => c.currentHash !== null && c.nextHash !== null && c.currentHash !== c.nextHash);
  const release: string[] = [];
  const healthyUpdates: RolloutComponent[] = [];
  for (const u of updates) {
    if (!u.hostActive || !settled(u)) release.push(rolloutKey(u));
    else healthyUpdates.push(u);
  }
  if (healthyUpdates.length === 0) return { release, hold: [], waitingFor: null };

  const busy = components.filter((c) => c.hostActive && c.nextHash !== null && !settled(c));
  healthyUpdates.sort(
    (a, b) => (KIND_ORDER.get(a.kind) ?? 99) - (KIND_ORDER.get(b.kind) ?? 99) || compareIds(a.hostId, b.hostId) || compareIds(a.name, b.name),
  );
  if (busy.length > 0) {
    const names = busy.slice(0, 3).map((c) => c.label ?? c.name).join(', ');
    return {
      release,
      hold: healthyUpdates.map(rolloutKey),
      waitingFor: `${healthyUpdates.length} update(s) wait until ${names}${busy.length > 3 ? ` and ${busy.length - 3} more` : ''} ${busy.length === 1 ? 'is' : 'are'} healthy`,
    };
  }
  const [first, ...rest] = healthyUpdates;
  return {
    release: [...release, rolloutKey(first)],
    hold: rest.map(rolloutKey),
    waitingFor: rest.length ? `${rest.length} update(s) wait until ${first.label ?? first.name} is healthy on its new spec` : null,
  };
}
