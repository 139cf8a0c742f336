/**
 * Rules the server (when it accepts a component spec) and the agent (when it accepts a desired
 * state) must both apply, kept once so they never disagree.
 */

/** How an agent checks a component's health. */
export const PROBE_TYPES = ['http', 'https', 'tcp', 'exec'] as const;
export type ProbeType = (typeof PROBE_TYPES)[number];

export const COMPONENT_NAME_MAX_LENGTH = 63;
/** A component's (and an init step's) name: a DNS-1123 label, as the kinds are (it names a directory on the host). */
export const COMPONENT_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isComponentName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= COMPONENT_NAME_MAX_LENGTH && COMPONENT_NAME_PATTERN.test(name);
}

export function isProbeType(type: unknown): type is ProbeType {
  return (PROBE_TYPES as readonly unknown[]).includes(type);
}
