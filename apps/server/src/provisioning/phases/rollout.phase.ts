import type { ComponentSpec } from '@corral/contracts';
import { componentKey, planRollout, type RolloutComponent, type RolloutPlan } from '@corral/domain';
import { specHash } from '@corral/kube';
import type { ReconcileView } from './reconcile-view';

/** The rollout phase's result: what to write, and what that means for status and events. */
export interface RolloutResult {
  plan: RolloutPlan;
  /** every host's specs to write now (held updates keep their written spec) */
  writes: Array<{ hostId: string; specs: ComponentSpec[] }>;
  /** spec hash written per componentKey(hostId, kind), to compare with what agents run */
  desiredHash: Map<string, string>;
  /** updates of healthy components released now (one "RollingUpdate" event each) */
  rollingUpdates: Array<{ hostId: string; hostname: string; name: string }>;
}

/** Every component written now or wanted next on each host, as planRollout sees it. */
export function rolloutCandidates(view: Pick<ReconcileView, 'hosts' | 'components' | 'written' | 'statusOf'>, next: ReadonlyMap<string, ComponentSpec[]>): RolloutComponent[] {
  return view.hosts.flatMap((host) => {
    const specs = next.get(host.id) ?? [];
    const names = new Set([...specs.map((s) => s.name), ...view.components.filter((c) => c.hostId === host.id).map((c) => c.name)]);
    return [...names].map((name) => {
      const spec = specs.find((s) => s.name === name);
      const was = view.written.get(componentKey(host.id, name));
      const s = view.statusOf.get(componentKey(host.id, name));
      return {
        hostId: host.id,
        name,
        kind: spec?.kind ?? was?.kind ?? name,
        currentHash: was?.specHash ?? null,
        nextHash: spec ? specHash(spec) : null,
        observed: s ? { specHash: s.specHash, healthy: s.healthy && s.phase === 'running' } : null,
        hostActive: host.state === 'active',
        label: `${name} on ${host.hostname}`,
      };
    });
  });
}

/** Rollout phase: spec changes of healthy components roll one at a time (planRollout). */
export function rollOut(view: Pick<ReconcileView, 'hosts' | 'components' | 'written' | 'statusOf'>, next: ReadonlyMap<string, ComponentSpec[]>): RolloutResult {
  const plan = planRollout(rolloutCandidates(view, next));
  const held = new Set(plan.hold);
  const released = new Set(plan.release);
  const result: RolloutResult = { plan, writes: [], desiredHash: new Map(), rollingUpdates: [] };
  for (const host of view.hosts) {
    const specs = (next.get(host.id) ?? []).map((spec) => (held.has(componentKey(host.id, spec.name)) ? view.written.get(componentKey(host.id, spec.name))!.spec : spec));
    for (const spec of specs) {
      const key = componentKey(host.id, spec.name);
      const hash = specHash(spec);
      result.desiredHash.set(componentKey(host.id, spec.kind), hash);
      const was = view.written.get(key);
      if (was && released.has(key) && was.specHash !== hash && view.statusOf.get(key)?.healthy) {
        result.rollingUpdates.push({ hostId: host.id, hostname: host.hostname, name: spec.name });
      }
    }
    result.writes.push({ hostId: host.id, specs });
  }
  return result;
}
