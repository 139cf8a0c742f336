import type { ConditionView, EnvironmentEventView, EnvironmentStateName } from '@corral/contracts';
import type { StreamItem } from '../client/event-stream';

export type StepStatus = 'waiting' | 'working' | 'done' | 'failed';

export interface Step {
  label: string;
  condition: string;
  status: StepStatus;
  /** ms since the start when it became done */
  doneAtMs?: number;
  detail?: string;
}

const STEPS: Array<[condition: string, label: string]> = [
  ['HostsSufficient', 'Hosts'],
  ['EtcdReady', 'etcd'],
  ['ControlPlaneReady', 'Control plane'],
  ['WorkersReady', 'Workers'],
  ['IngressReady', 'Ingress'],
];
const MAX_LINE = 240;

/**
 * What `--wait` shows, built from the event stream: the environment's state and one step per
 * condition (hosts, etcd, control plane, workers, ingress), each with when it became ready.
 */
export class ProgressModel {
  state: EnvironmentStateName | 'unknown' = 'unknown';
  readonly steps: Step[] = STEPS.map(([condition, label]) => ({ condition, label, status: 'waiting' }));

  constructor(private readonly startedAt: number) {}

  /** Applies a stream item; returns the plain log line it deserves, if any. */
  apply(item: StreamItem, now: number): string | null {
    if (item.kind === 'end') {
      this.state = 'deleted';
      return 'environment deleted';
    }
    if (item.kind === 'environment') {
      this.state = item.environment.state;
      for (const c of item.environment.conditions) this.condition(c.type, c.status, c.reason, c.message, now);
      return `${item.environment.name} is ${item.environment.state}`;
    }
    return this.event(item.event, now);
  }

  private event(event: EnvironmentEventView, now: number): string | null {
    if (event.kind === 'state' && event.state) this.state = event.state;
    const line = event.message.length > MAX_LINE ? `${event.message.slice(0, MAX_LINE - 1)}…` : event.message;
    if (event.kind === 'condition' && event.condition) {
      const reason = /^\w+=\w+ \(([^)]*)\)/.exec(event.message)?.[1] ?? '';
      const message = event.message.replace(/^\w+=\w+ \([^)]*\): /, '');
      this.condition(event.condition.type, event.condition.status, reason, message, now);
      // Ready only sums up the others; a condition that is not yet true is progress, not a warning
      return event.condition.type === 'Ready' ? null : line;
    }
    return event.type === 'Warning' ? `warning: ${line}` : line;
  }

  private condition(type: ConditionView['type'], status: ConditionView['status'], reason: string, message: string, now: number): void {
    const step = this.steps.find((s) => s.condition === type);
    if (!step) return;
    if (status === 'True') {
      if (step.status !== 'done') step.doneAtMs = now - this.startedAt;
      step.status = 'done';
      step.detail = undefined;
      return;
    }
    step.status = reason === 'CrashLoop' || reason === 'Failed' ? 'failed' : 'working';
    step.doneAtMs = undefined;
    step.detail = message.length > 120 ? `${message.slice(0, 119)}…` : message;
  }
}
