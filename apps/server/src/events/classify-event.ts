import type { EnvironmentEventView, EnvironmentStateName } from '@corral/contracts';
import { isEnvironmentState } from '@corral/domain';

type Classified = Pick<EnvironmentEventView, 'kind' | 'state' | 'condition'>;

/** Reasons that move an environment without a State<Name> event of their own. */
const STATE_OF_REASON: Record<string, EnvironmentStateName> = { Created: 'pending', DeletionRequested: 'deleting', Expired: 'deleting', Deleted: 'deleted' };
const CONDITION_MESSAGE = /^([A-Za-z]+)=(True|False|Unknown) /;

/**
 * How the event stream presents an event: a state change (with the state), a condition change
 * (with type and status), component or host progress, or anything else.
 */
export function classifyEvent(event: { reason: string; message: string; component: string | null; hostId: string | null }): Classified {
  const stateMatch = /^State([A-Z][a-z]+)$/.exec(event.reason);
  const named = stateMatch?.[1].toLowerCase();
  if (named && isEnvironmentState(named)) return { kind: 'state', state: named };
  if (STATE_OF_REASON[event.reason]) return { kind: 'state', state: STATE_OF_REASON[event.reason] };
  const condition = CONDITION_MESSAGE.exec(event.message);
  if (condition && !event.component && event.reason.startsWith(condition[1])) {
    return { kind: 'condition', condition: { type: condition[1], status: condition[2] as 'True' | 'False' | 'Unknown' } };
  }
  if (event.component || event.reason.startsWith('Component') || event.reason === 'DesiredStateChanged') return { kind: 'component' };
  if (event.reason.startsWith('Host')) return { kind: 'host' };
  return { kind: 'event' };
}
