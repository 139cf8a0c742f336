/** The one key of a component on a host: "<hostId>/<name>" (a component's name is unique per host). */
export const componentKey = (hostId: string, name: string): string => `${hostId}/${name}`;

/** What an agent reports about one component, as far as reconcile decisions need it. */
export interface ObservedComponent {
  specHash: string;
  phase: string;
  healthy: boolean;
}

/**
 * Healthy on the spec written for it: running, probes passing, and on that very spec. A
 * component just written (no report yet), restarting, or still on an older spec is not.
 */
export function isHealthyOnSpec(observed: ObservedComponent | undefined | null, specHash: string | undefined): boolean {
  return !!observed && observed.healthy && observed.phase === 'running' && specHash !== undefined && observed.specHash === specHash;
}
