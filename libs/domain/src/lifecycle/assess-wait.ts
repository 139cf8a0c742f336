import type { Condition } from '../conditions/conditions';
import type { EnvironmentState } from './environment-state-machine';

export type WaitAssessment =
  | { result: 'reached' }
  | { result: 'waiting' }
  | { result: 'failed'; reason: string; message: string; condition?: Condition };

/** Component condition types, most fundamental first (a broken etcd explains a broken control plane). */
const COMPONENT_CONDITIONS = ['EtcdReady', 'ControlPlaneReady', 'WorkersReady', 'IngressReady'];
const COMING_UP: readonly EnvironmentState[] = ['pending', 'provisioning', 'upgrading'];

/**
 * Whether someone waiting for an environment to reach `target` is done.
 *
 * - reached: the environment is in `target`;
 * - failed: it is in `error` (unless that is the target); it is being deleted or is gone while
 *   waiting for anything else; or, while coming up (pending, provisioning, upgrading) towards
 *   `active`, a component crash-loops (restarted again and again without becoming healthy: it
 *   needs a change, not more time), reported with the condition naming it and its last log lines;
 * - waiting otherwise. `degraded` is not a failure: it may heal.
 */
export function assessWait(env: { state: EnvironmentState; stateReason?: string | null; conditions: readonly Condition[] }, target: EnvironmentState): WaitAssessment {
  if (env.state === target) return { result: 'reached' };
  const goingAway = env.state === 'deleting' || env.state === 'deleted';
  if (env.state === 'deleting' && target === 'deleted') return { result: 'waiting' };
  if (env.state === 'error') {
    return { result: 'failed', reason: env.stateReason || 'Error', message: `environment is in error${env.stateReason ? ` (${env.stateReason})` : ''}` };
  }
  if (goingAway) {
    const why = env.stateReason ? ` (${env.stateReason})` : '';
    return { result: 'failed', reason: env.stateReason || 'Deleted', message: `environment is ${env.state === 'deleting' ? 'being deleted' : 'deleted'}${why} and will never be ${target}` };
  }
  if (target === 'active' && COMING_UP.includes(env.state)) {
    const crashLooping = COMPONENT_CONDITIONS.map((type) => env.conditions.find((c) => c.type === type)).find(
      (c): c is Condition => !!c && c.status === 'False' && c.reason === 'CrashLoop',
    );
    if (crashLooping) return { result: 'failed', reason: 'CrashLoop', message: `${crashLooping.type}: ${crashLooping.message}`, condition: crashLooping };
  }
  return { result: 'waiting' };
}
