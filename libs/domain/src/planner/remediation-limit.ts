import type { HostState } from '../lifecycle/host-state';

/**
 * MachineHealthCheck's maxUnhealthy: when more than this share of an environment's hosts
 * (removed ones not counted) are disconnected or lost at once, repairs stop instead of piling
 * everything onto the survivors. Returns the refusal message, or null while repairs are allowed.
 */
export function tooManyUnhealthy(states: readonly HostState[], maxUnhealthy: number): string | null {
  const counted = states.filter((s) => s !== 'removed');
  const unhealthy = counted.filter((s) => s === 'lost' || s === 'disconnected');
  if (counted.length === 0 || unhealthy.length / counted.length <= maxUnhealthy) return null;
  return (
    `${unhealthy.length} of ${counted.length} hosts are disconnected or lost (more than ` +
    `${Math.round(maxUnhealthy * 100)}%): not moving anything until enough hosts are back or removed`
  );
}
