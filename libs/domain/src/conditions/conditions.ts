export const CONDITION_TYPES = [
  'Ready',
  'EtcdReady',
  'ControlPlaneReady',
  'WorkersReady',
  'IngressReady',
  'HostsSufficient',
] as const;
/** Known condition types; other strings are allowed for forward compatibility. */
export type ConditionType = (typeof CONDITION_TYPES)[number];
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A Kubernetes / Cluster API style condition: why, not just red or green. */
export interface Condition {
  type: ConditionType | (string & {});
  status: ConditionStatus;
  /** CamelCase machine-readable cause, e.g. "MemberUnhealthy" */
  reason: string;
  /** human-readable detail */
  message: string;
  /** ISO-8601 time the status last changed */
  lastTransitionTime: string;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * Returns a new list with `cond` set: an existing condition of the same type is replaced in
 * place (keeping its lastTransitionTime when the status is unchanged, so the time says how long
 * it has been that way); a new type is appended with lastTransitionTime = now. The input array
 * is not modified.
 */
export function setCondition(conditions: readonly Condition[], cond: ConditionInput, now: Date): Condition[] {
  const index = conditions.findIndex((c) => c.type === cond.type);
  const previous = index >= 0 ? conditions[index] : undefined;
  const next: Condition = {
    type: cond.type,
    status: cond.status,
    reason: cond.reason,
    message: cond.message,
    lastTransitionTime:
      previous && previous.status === cond.status ? previous.lastTransitionTime : now.toISOString(),
  };
  if (index < 0) return [...conditions, next];
  const out = conditions.slice();
  out[index] = next;
  return out;
}

/** Applies setCondition for each input in order. */
export function setConditions(
  conditions: readonly Condition[],
  inputs: readonly ConditionInput[],
  now: Date,
): Condition[] {
  return inputs.reduce<Condition[]>((acc, c) => setCondition(acc, c, now), conditions.slice());
}

/** The condition of a type, or undefined. */
export function getCondition(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

/** True only when the condition exists with status 'True'. */
export function isConditionTrue(conditions: readonly Condition[], type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}
