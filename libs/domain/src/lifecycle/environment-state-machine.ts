export const ENVIRONMENT_STATES = [
  'pending',
  'provisioning',
  'active',
  'degraded',
  'upgrading',
  'deleting',
  'deleted',
  'error',
] as const;
export type EnvironmentState = (typeof ENVIRONMENT_STATES)[number];

/**
 * Allowed moves between distinct states. Beyond DESIGN.md's happy path:
 * - any state but deleted (and deleting itself) may go to deleting; deleting only ends in deleted
 *   (deletion is a level-based job that retries until done, so it has no error exit);
 * - pending, provisioning, active, degraded and upgrading may fail into error (with a reason);
 * - error may be retried (-> provisioning) or deleted.
 */
const TRANSITIONS: Readonly<Record<EnvironmentState, readonly EnvironmentState[]>> = {
  pending: ['provisioning', 'deleting', 'error'],
  provisioning: ['active', 'deleting', 'error'],
  active: ['degraded', 'upgrading', 'deleting', 'error'],
  degraded: ['active', 'upgrading', 'deleting', 'error'],
  upgrading: ['active', 'deleting', 'error'],
  deleting: ['deleted'],
  deleted: [],
  error: ['provisioning', 'deleting'],
};

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: EnvironmentState,
    readonly to: EnvironmentState,
    why?: string,
  ) {
    super(
      why ??
        `environment cannot go from ${from} to ${to}` +
          (TRANSITIONS[from]?.length ? ` (allowed: ${TRANSITIONS[from].join(', ')})` : ` (${from} is final)`),
    );
    this.name = 'InvalidTransitionError';
  }
}

/** Type guard for values read from the database or the wire. */
export function isEnvironmentState(value: unknown): value is EnvironmentState {
  return typeof value === 'string' && (ENVIRONMENT_STATES as readonly string[]).includes(value);
}

/** The states an environment may move to from `from` (not including staying put). */
export function allowedTransitions(from: EnvironmentState): readonly EnvironmentState[] {
  return TRANSITIONS[from];
}

/**
 * True when an environment may move from `from` to `to`. Staying in the same state is always
 * allowed (level-based jobs re-apply the state they compute), except that nothing leaves deleted.
 */
export function canTransition(from: EnvironmentState, to: EnvironmentState): boolean {
  if (!isEnvironmentState(from) || !isEnvironmentState(to)) return false;
  return from === to || TRANSITIONS[from].includes(to);
}

/**
 * Throws InvalidTransitionError unless canTransition(from, to). Moving into `error` requires a
 * non-empty reason, so every error state says why.
 */
export function assertTransition(from: EnvironmentState, to: EnvironmentState, reason?: string): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
  if (to === 'error' && from !== 'error' && !reason?.trim()) {
    throw new InvalidTransitionError(from, to, `moving an environment to error needs a reason`);
  }
}
