import type { ComponentKind, ComponentPhase } from '@corral/contracts';
import { setConditions, type Condition, type ConditionInput, type ConditionStatus } from '../conditions/conditions';
import { assertTransition, type EnvironmentState } from '../lifecycle/environment-state-machine';
import type { HostState } from '../lifecycle/host-state';
import { CONTROL_PLANE_KINDS, WORKER_KINDS } from '../planner/eligibility';
import type { Placement } from '../planner/planner-types';

/** The latest observed status of one component on one host (from the agent's status report). */
export interface ComponentStatusInput {
  hostId: string;
  kind: ComponentKind | string;
  phase: ComponentPhase;
  healthy: boolean;
  message?: string | null;
  exitCode?: number | null;
  crashLoop?: boolean;
  lastLogLines?: readonly string[];
  /** spec hash the agent runs; compared with the desired one when both are given */
  specHash?: string;
}

export interface StatusHost {
  id: string;
  hostname: string;
  address?: string;
  /** components on a host that is not active are not counted as healthy (their last report is stale) */
  state?: HostState;
}

export interface EnvironmentStatusInput {
  state: EnvironmentState;
  /** desired placement; specHash, when given, must match the observed one */
  placement: readonly (Placement & { specHash?: string })[];
  componentStatuses: readonly ComponentStatusInput[];
  /** from the planner's sufficiency (or a plain boolean) */
  hostsSufficient: boolean | { sufficient: boolean; message: string };
  /** requested ingress replicas; 0 makes IngressReady True with nothing placed */
  ingressReplicas?: number;
  /** previous conditions, so lastTransitionTime survives unchanged statuses */
  conditions?: readonly Condition[];
  /** names hosts in messages; without it, messages use host ids */
  hosts?: readonly StatusHost[];
  now: Date;
}

export interface EnvironmentStatus {
  state: EnvironmentState;
  changed: boolean;
  /** Ready, EtcdReady, ControlPlaneReady, WorkersReady, IngressReady, HostsSufficient (plus any others passed in) */
  conditions: Condition[];
  /** one line for the Event timeline */
  message: string;
}

type Problem =
  | 'CrashLoop'
  | 'Failed'
  | 'Unhealthy'
  | 'HostUnreachable'
  | 'Stopped'
  | 'Updating'
  | 'Starting'
  | 'NoStatus';
/** Worst first: the condition's reason is the worst problem among its components. */
const SEVERITY: readonly Problem[] = ['CrashLoop', 'Failed', 'Unhealthy', 'HostUnreachable', 'Stopped', 'Updating', 'Starting', 'NoStatus'];
const MAX_LISTED = 3;
const MAX_LOG_LINES = 3;
const MAX_LINE = 200;
const MAX_MESSAGE = 2000;

interface Finding {
  problem: Problem;
  text: string;
}

function assess(
  p: Placement & { specHash?: string },
  status: ComponentStatusInput | undefined,
  host: StatusHost | undefined,
): Finding | null {
  const where = `${p.kind} on ${host ? `${host.hostname}${host.address ? ` (${host.address})` : ''}` : p.hostId}`;
  if (host?.state && host.state !== 'active') return { problem: 'HostUnreachable', text: `${where}: host is ${host.state}` };
  if (!status) return { problem: 'NoStatus', text: `${where}: no status reported yet` };
  if (p.specHash && status.specHash && p.specHash !== status.specHash) {
    return { problem: 'Updating', text: `${where}: still running the previous spec` };
  }
  if (status.healthy && status.phase === 'running') return null;
  const problem: Problem = status.crashLoop
    ? 'CrashLoop'
    : status.phase === 'failed'
      ? 'Failed'
      : status.phase === 'unhealthy' || status.phase === 'running'
        ? 'Unhealthy'
        : status.phase === 'stopped'
          ? 'Stopped'
          : 'Starting';
  let text = `${where}: ${status.crashLoop ? 'crash-looping' : status.phase === 'running' ? 'unhealthy' : status.phase}`;
  if (status.exitCode !== undefined && status.exitCode !== null) text += ` (exit ${status.exitCode})`;
  if (status.message) text += `: ${status.message}`;
  const logs = (status.lastLogLines ?? []).filter((l) => l.trim() !== '').slice(-MAX_LOG_LINES);
  // the agent sends log lines only when they tell something: a failure, or a restart after one
  if (logs.length > 0) {
    text += `; last log: ${logs.map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l)).join(' | ')}`;
  }
  return { problem, text };
}

function cap(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
}

function groupCondition(
  type: string,
  label: string,
  kinds: readonly string[],
  input: EnvironmentStatusInput,
  statusOf: (hostId: string, kind: string) => ComponentStatusInput | undefined,
  hostOf: (id: string) => StatusHost | undefined,
  whenEmpty: { status: ConditionStatus; reason: string; message: string },
): ConditionInput {
  const placed = input.placement.filter((p) => kinds.includes(p.kind));
  if (placed.length === 0) return { type, ...whenEmpty };
  const findings = placed
    .map((p) => assess(p, statusOf(p.hostId, p.kind), hostOf(p.hostId)))
    .filter((f): f is Finding => f !== null)
    .sort((a, b) => SEVERITY.indexOf(a.problem) - SEVERITY.indexOf(b.problem));
  if (findings.length === 0) {
    return { type, status: 'True', reason: 'AllHealthy', message: `${placed.length} ${label} component(s) healthy` };
  }
  const listed = findings.slice(0, MAX_LISTED).map((f) => f.text);
  if (findings.length > MAX_LISTED) listed.push(`and ${findings.length - MAX_LISTED} more`);
  return { type, status: 'False', reason: findings[0].problem, message: cap(listed.join('; ')) };
}

/**
 * Derives an environment's next state and conditions from its desired placement and the
 * observed component statuses.
 *
 * - provisioning stays provisioning until every placed component is healthy for the first time, then active;
 * - active becomes degraded while any component is not healthy, and degraded returns to active;
 * - upgrading becomes active once every component is healthy on its new spec;
 * - pending, deleting, deleted and error keep their state (jobs move those), but conditions are still computed.
 *
 * A component is healthy when its host is active, it reports phase running and healthy, and
 * (when both are known) its spec hash is the desired one. Conditions EtcdReady,
 * ControlPlaneReady, WorkersReady and IngressReady name each failing component and host,
 * with its message and last log lines; Ready summarises them; HostsSufficient mirrors the
 * planner. Insufficient hosts alone do not degrade an environment whose components are healthy.
 */
export function deriveEnvironmentStatus(input: EnvironmentStatusInput): EnvironmentStatus {
  const statuses = new Map<string, ComponentStatusInput>();
  for (const s of input.componentStatuses) statuses.set(`${s.hostId}\u0000${s.kind}`, s);
  const hosts = new Map((input.hosts ?? []).map((h) => [h.id, h]));
  const statusOf = (hostId: string, kind: string) => statuses.get(`${hostId}\u0000${kind}`);
  const hostOf = (id: string) => hosts.get(id);
  const notPlaced = (what: string) => ({ status: 'False' as const, reason: 'NotPlaced', message: `no ${what} placed yet` });

  const etcd = groupCondition('EtcdReady', 'etcd', ['etcd'], input, statusOf, hostOf, notPlaced('etcd member'));
  const controlPlane = groupCondition('ControlPlaneReady', 'control-plane', CONTROL_PLANE_KINDS, input, statusOf, hostOf, notPlaced('control plane'));
  const workers = groupCondition('WorkersReady', 'worker', WORKER_KINDS, input, statusOf, hostOf, notPlaced('worker (kubelet, kube-proxy)'));
  const ingress = groupCondition(
    'IngressReady',
    'ingress',
    ['ingress-controller'],
    input,
    statusOf,
    hostOf,
    input.ingressReplicas === 0
      ? { status: 'True', reason: 'NotRequested', message: 'no ingress controller requested' }
      : input.ingressReplicas === undefined
        ? { status: 'Unknown', reason: 'NotPlaced', message: 'no ingress controller placed' }
        : notPlaced('ingress controller'),
  );
  const parts = [etcd, controlPlane, workers, ingress];
  const failing = parts.filter((c) => c.status !== 'True');
  const allReady = failing.length === 0;
  const ready: ConditionInput = allReady
    ? { type: 'Ready', status: 'True', reason: 'AllComponentsHealthy', message: 'every component is healthy' }
    : {
        type: 'Ready',
        status: 'False',
        reason: failing[0].reason,
        message: cap(failing.map((c) => `${c.type}: ${c.message}`).join('; ')),
      };
  const sufficiency =
    typeof input.hostsSufficient === 'boolean'
      ? { sufficient: input.hostsSufficient, message: input.hostsSufficient ? 'enough eligible hosts' : 'not enough eligible hosts' }
      : input.hostsSufficient;
  const hostsCondition: ConditionInput = {
    type: 'HostsSufficient',
    status: sufficiency.sufficient ? 'True' : 'False',
    reason: sufficiency.sufficient ? 'Sufficient' : 'InsufficientHosts',
    message: sufficiency.message,
  };

  const from = input.state;
  let to: EnvironmentState = from;
  if (from === 'provisioning' || from === 'upgrading') to = allReady ? 'active' : from;
  else if (from === 'active' || from === 'degraded') to = allReady ? 'active' : 'degraded';
  assertTransition(from, to);

  const conditions = setConditions(input.conditions ?? [], [ready, ...parts, hostsCondition], input.now);
  const message =
    to === from
      ? allReady
        ? `${to}: every component is healthy`
        : `${to}: ${ready.message}`
      : allReady
        ? `${from} -> ${to}: every component is healthy`
        : `${from} -> ${to}: ${ready.message}`;
  return { state: to, changed: to !== from, conditions, message: cap(message) };
}
