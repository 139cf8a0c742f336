import type { DesiredComponent } from '@corral/contracts';

export interface ReconcileDiff {
  /** desired, not running here yet */
  start: DesiredComponent[];
  /** running with another specHash: stop, then start the new spec */
  restart: DesiredComponent[];
  /** running, no longer desired: stop and wipe */
  stop: string[];
  /** running with the desired specHash: leave alone */
  keep: string[];
}

/**
 * What the supervisor has to do to go from the components it runs (name -> specHash) to
 * the desired ones. Desired entries with a duplicate name are ignored after the first.
 */
export function computeReconcileDiff(current: ReadonlyMap<string, string>, desired: readonly DesiredComponent[]): ReconcileDiff {
  const diff: ReconcileDiff = { start: [], restart: [], stop: [], keep: [] };
  const seen = new Set<string>();
  for (const component of desired) {
    if (seen.has(component.name)) continue;
    seen.add(component.name);
    const running = current.get(component.name);
    if (running === undefined) diff.start.push(component);
    else if (running !== component.specHash) diff.restart.push(component);
    else diff.keep.push(component.name);
  }
  for (const name of current.keys()) {
    if (!seen.has(name)) diff.stop.push(name);
  }
  return diff;
}
