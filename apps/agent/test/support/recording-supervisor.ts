import type { ObservedComponent } from '@corral/contracts';
import { Supervisor, type SupervisorOptions } from '../../src/supervisor/supervisor';

/**
 * A Supervisor whose every change is recorded (the snapshots in order) and whose pids are
 * remembered for cleanup; `supervisors` collects it so the suite can close them all.
 */
export function recordingSupervisor(
  options: SupervisorOptions,
  track: { supervisors: Supervisor[]; seenPids: Set<number> },
): { sup: Supervisor; history: ObservedComponent[][] } {
  const sup = new Supervisor(options);
  track.supervisors.push(sup);
  const history: ObservedComponent[][] = [];
  sup.onChange(() => {
    const components = sup.snapshot().components;
    history.push(components);
    for (const c of components) if (c.pid) track.seenPids.add(c.pid);
  });
  return { sup, history };
}
