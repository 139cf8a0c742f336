import fc from 'fast-check';
import { assessWait } from './assess-wait';
import { ENVIRONMENT_STATES, type EnvironmentState } from './environment-state-machine';
import type { Condition } from '../conditions/conditions';

const cond = (type: string, status: Condition['status'], reason: string, message = `${type} ${reason}`): Condition => ({ type, status, reason, message, lastTransitionTime: '2025-01-01T00:00:00Z' });

describe('assessWait', () => {
  it('is reached exactly when the state is the target', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ENVIRONMENT_STATES), fc.constantFrom(...ENVIRONMENT_STATES), (state: EnvironmentState, target: EnvironmentState) => {
        expect(assessWait({ state, conditions: [] }, target).result === 'reached').toBe(state === target);
      }),
    );
  });

  it('fails on error with its reason, unless waiting for error', () => {
    expect(assessWait({ state: 'error', stateReason: 'PkiFailed', conditions: [] }, 'active')).toMatchObject({ result: 'failed', reason: 'PkiFailed' });
    expect(assessWait({ state: 'error', conditions: [] }, 'error')).toEqual({ result: 'reached' });
  });

  it('fails when the environment goes away while waiting for something else; waits through deleting for deleted', () => {
    expect(assessWait({ state: 'deleting', stateReason: 'Expired', conditions: [] }, 'active')).toMatchObject({ result: 'failed', reason: 'Expired' });
    expect(assessWait({ state: 'deleted', conditions: [] }, 'active')).toMatchObject({ result: 'failed', reason: 'Deleted' });
    expect(assessWait({ state: 'deleting', conditions: [] }, 'deleted')).toEqual({ result: 'waiting' });
  });

  it('fails on a crash loop while provisioning towards active, naming the most fundamental condition', () => {
    const conditions = [
      cond('Ready', 'False', 'CrashLoop'),
      cond('ControlPlaneReady', 'False', 'CrashLoop', 'kube-scheduler on node-1: crash-looping (exit 1); last log: bad flag'),
      cond('EtcdReady', 'True', 'AllHealthy'),
      cond('WorkersReady', 'False', 'Starting'),
    ];
    const outcome = assessWait({ state: 'provisioning', conditions }, 'active');
    expect(outcome).toMatchObject({ result: 'failed', reason: 'CrashLoop', condition: { type: 'ControlPlaneReady' } });
    expect(outcome.result === 'failed' && outcome.message).toContain('last log: bad flag');
  });

  it('keeps waiting while components start, and through degraded (it may heal)', () => {
    expect(assessWait({ state: 'provisioning', conditions: [cond('EtcdReady', 'False', 'Starting')] }, 'active')).toEqual({ result: 'waiting' });
    expect(assessWait({ state: 'degraded', conditions: [cond('EtcdReady', 'False', 'CrashLoop')] }, 'active')).toEqual({ result: 'waiting' });
  });
});
