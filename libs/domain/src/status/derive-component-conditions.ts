import type { ComponentPhase } from '@corral/contracts';
import type { Condition } from '../conditions/conditions';
import type { HostState } from '../lifecycle/host-state';

/** What the agent last reported about one component (see ObservedComponent). */
export interface ObservedComponentInput {
  specHash: string;
  phase: ComponentPhase;
  healthy: boolean;
  restarts: number;
  exitCode?: number | null;
  message?: string | null;
  crashLoop?: boolean;
  lastLogLines?: readonly string[];
  /** when the component entered its phase */
  since: Date | string;
  /** when the agent reported it */
  reportedAt: Date | string;
}

export interface ComponentConditionsInput {
  /** null when the component is no longer desired (being stopped) */
  desiredSpecHash: string | null;
  observed: ObservedComponentInput | null;
  hostState: HostState;
  /** when the desired spec last changed (UpToDate's transition time while not yet applied) */
  desiredSince?: Date | string;
  now: Date;
}

const MAX_LOG_LINES = 3;
const iso = (t: Date | string | undefined, fallback: Date) => (t === undefined ? fallback : new Date(t)).toISOString();

/**
 * A component's conditions, Kubernetes style, kept apart: Running (a process is up), Healthy
 * (its probe passes), UpToDate (it runs the desired spec), Reported (its host's agent is
 * heard from, so the rest is current). Messages carry the agent's message and, when the
 * component failed or crash-loops, its last log lines.
 */
export function deriveComponentConditions(input: ComponentConditionsInput): Condition[] {
  const { observed, now } = input;
  const reported: Condition =
    input.hostState === 'active'
      ? { type: 'Reported', status: observed ? 'True' : 'False', reason: observed ? 'AgentReporting' : 'NotReportedYet', message: observed ? 'the host agent reports this component' : 'no status reported yet', lastTransitionTime: iso(observed?.reportedAt, now) }
      : { type: 'Reported', status: 'Unknown', reason: `Host${input.hostState[0].toUpperCase()}${input.hostState.slice(1)}`, message: `host is ${input.hostState}: the last report may be stale`, lastTransitionTime: iso(observed?.reportedAt, now) };
  if (!observed) {
    const since = iso(input.desiredSince, now);
    return [
      reported,
      { type: 'Running', status: 'Unknown', reason: 'NotReportedYet', message: 'no status reported yet', lastTransitionTime: since },
      { type: 'Healthy', status: 'Unknown', reason: 'NotReportedYet', message: 'no status reported yet', lastTransitionTime: since },
      { type: 'UpToDate', status: 'False', reason: 'NotStarted', message: 'the desired spec has not been applied yet', lastTransitionTime: since },
    ];
  }
  const since = iso(observed.since, now);
  const detail = describe(observed);
  const running = observed.phase === 'running' || observed.phase === 'unhealthy';
  const phaseReason = observed.crashLoop ? 'CrashLoop' : `${observed.phase[0].toUpperCase()}${observed.phase.slice(1)}`;
  const upToDate =
    input.desiredSpecHash === null
      ? { status: 'False' as const, reason: 'NotDesired', message: 'no longer desired on this host; being stopped' }
      : observed.specHash === input.desiredSpecHash
        ? { status: 'True' as const, reason: 'DesiredSpec', message: 'runs the desired spec' }
        : { status: 'False' as const, reason: 'PreviousSpec', message: 'still runs a previous spec' };
  return [
    reported,
    { type: 'Running', status: running ? 'True' : 'False', reason: phaseReason, message: `${observed.phase}, ${observed.restarts} restart(s)${detail}`, lastTransitionTime: since },
    {
      type: 'Healthy',
      status: observed.healthy ? 'True' : 'False',
      reason: observed.healthy ? 'ProbeSucceeded' : phaseReason,
      message: observed.healthy ? 'health probe passes' : `not healthy: ${observed.phase}${detail}`,
      lastTransitionTime: since,
    },
    { type: 'UpToDate', ...upToDate, lastTransitionTime: upToDate.status === 'True' ? since : iso(input.desiredSince, now) },
  ];
}

function describe(observed: ObservedComponentInput): string {
  let text = '';
  if (observed.exitCode !== undefined && observed.exitCode !== null) text += ` (exit ${observed.exitCode})`;
  if (observed.message) text += `: ${observed.message}`;
  const logs = (observed.lastLogLines ?? []).filter((l) => l.trim() !== '').slice(-MAX_LOG_LINES);
  if (!observed.healthy && logs.length) text += `; last log: ${logs.join(' | ')}`;
  return text;
}

export interface HostConditionsInput {
  state: HostState;
  lastHeartbeatAt: Date | string | null;
  /** when `state` last changed; the host's creation time if never */
  stateSince: Date | string;
  /** health of the components the host reports, with when each entered its phase */
  components: readonly { name: string; healthy: boolean; since: Date | string }[];
  now: Date;
}

/**
 * A host's conditions: Connected (agent heard from within the thresholds; lifecycle `state`
 * says what Corral does about it) and ComponentsHealthy.
 */
export function deriveHostConditions(input: HostConditionsInput): Condition[] {
  const since = iso(input.stateSince, input.now);
  const heard = input.lastHeartbeatAt ? new Date(input.lastHeartbeatAt).toISOString() : 'never';
  const connected: Condition =
    input.state === 'active'
      ? { type: 'Connected', status: 'True', reason: 'Heartbeating', message: `last heartbeat ${heard}`, lastTransitionTime: since }
      : input.state === 'removed'
        ? { type: 'Connected', status: 'False', reason: 'Removed', message: 'removed by an operator', lastTransitionTime: since }
        : {
            type: 'Connected',
            status: 'False',
            reason: input.state === 'lost' ? 'Lost' : 'Disconnected',
            message:
              input.state === 'lost'
                ? `no heartbeat since ${heard}: lost, its movable components are placed elsewhere`
                : `no heartbeat since ${heard}: disconnected, nothing is moved yet`,
            lastTransitionTime: since,
          };
  const failing = input.components.filter((c) => !c.healthy).map((c) => c.name);
  // failing since the earliest failure; healthy since the last component became healthy
  const times = input.components.filter((c) => c.healthy === (failing.length === 0)).map((c) => new Date(c.since).getTime());
  const healthSince = times.length ? new Date(failing.length ? Math.min(...times) : Math.max(...times)).toISOString() : since;
  const components: Condition = {
    type: 'ComponentsHealthy',
    status: input.state !== 'active' ? 'Unknown' : failing.length ? 'False' : 'True',
    reason: input.state !== 'active' ? 'HostNotReporting' : failing.length ? 'ComponentsUnhealthy' : 'AllHealthy',
    message:
      input.state !== 'active'
        ? 'the host is not reporting'
        : failing.length
          ? `not healthy: ${failing.join(', ')}`
          : `${input.components.length} component(s) healthy`,
    lastTransitionTime: input.state !== 'active' ? since : healthSince,
  };
  return [connected, components];
}
