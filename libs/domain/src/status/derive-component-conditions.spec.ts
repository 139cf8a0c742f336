import fc from 'fast-check';
import { COMPONENT_PHASES } from '@corral/contracts';
import { HOST_STATES } from '../lifecycle/host-state';
import { getCondition } from '../conditions/conditions';
import { deriveComponentConditions, deriveHostConditions } from './derive-component-conditions';

const now = new Date('2025-03-01T12:00:00Z');
const since = '2025-03-01T11:59:00.000Z';
const observed = { specHash: 'a', phase: 'running' as const, healthy: true, restarts: 0, since, reportedAt: now };

describe('deriveComponentConditions', () => {
  it('a healthy component on its desired spec is Running, Healthy, UpToDate and Reported', () => {
    const c = deriveComponentConditions({ desiredSpecHash: 'a', observed, hostState: 'active', now });
    expect(c.map((x) => [x.type, x.status])).toEqual([
      ['Reported', 'True'],
      ['Running', 'True'],
      ['Healthy', 'True'],
      ['UpToDate', 'True'],
    ]);
    expect(getCondition(c, 'Healthy')!.lastTransitionTime).toBe(since);
  });

  it('a crashed component says why, with its last log lines', () => {
    const c = deriveComponentConditions({
      desiredSpecHash: 'a',
      observed: { ...observed, phase: 'failed', healthy: false, exitCode: 137, crashLoop: true, message: 'exited on signal SIGKILL', lastLogLines: ['one', '', 'two', 'three', 'four'] },
      hostState: 'active',
      now,
    });
    const healthy = getCondition(c, 'Healthy')!;
    expect(healthy).toMatchObject({ status: 'False', reason: 'CrashLoop' });
    expect(healthy.message).toBe('not healthy: failed (exit 137): exited on signal SIGKILL; last log: two | three | four');
    expect(getCondition(c, 'Running')!.status).toBe('False');
  });

  it('a stale report on an unreachable host is Reported=Unknown; a previous spec is not UpToDate', () => {
    const c = deriveComponentConditions({ desiredSpecHash: 'b', observed, hostState: 'lost', now });
    expect(getCondition(c, 'Reported')).toMatchObject({ status: 'Unknown', reason: 'HostLost' });
    expect(getCondition(c, 'UpToDate')).toMatchObject({ status: 'False', reason: 'PreviousSpec' });
    expect(getCondition(deriveComponentConditions({ desiredSpecHash: null, observed, hostState: 'active', now }), 'UpToDate')!.reason).toBe('NotDesired');
  });

  it('always yields the four condition types with valid timestamps, whatever is reported', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COMPONENT_PHASES),
        fc.boolean(),
        fc.constantFrom(...HOST_STATES),
        fc.option(fc.constantFrom('a', 'b'), { nil: null }),
        fc.boolean(),
        (phase, healthy, hostState, desired, reported) => {
          const c = deriveComponentConditions({ desiredSpecHash: desired, observed: reported ? { ...observed, phase, healthy } : null, hostState, now });
          expect(c.map((x) => x.type)).toEqual(['Reported', 'Running', 'Healthy', 'UpToDate']);
          for (const x of c) expect(Number.isNaN(Date.parse(x.lastTransitionTime))).toBe(false);
          if (reported) expect(getCondition(c, 'Healthy')!.status).toBe(healthy ? 'True' : 'False');
        },
      ),
    );
  });
});

describe('deriveHostConditions', () => {
  it('separates connection from component health', () => {
    const c = deriveHostConditions({
      state: 'active',
      lastHeartbeatAt: now,
      stateSince: since,
      components: [
        { name: 'etcd', healthy: true, since: '2025-03-01T11:00:00Z' },
        { name: 'kubelet', healthy: false, since: '2025-03-01T11:30:00Z' },
      ],
      now,
    });
    expect(getCondition(c, 'Connected')).toMatchObject({ status: 'True', lastTransitionTime: since });
    expect(getCondition(c, 'ComponentsHealthy')).toMatchObject({ status: 'False', message: 'not healthy: kubelet', lastTransitionTime: '2025-03-01T11:30:00.000Z' });
  });

  it('a lost host is not Connected and its component health is Unknown', () => {
    const c = deriveHostConditions({ state: 'lost', lastHeartbeatAt: since, stateSince: now, components: [{ name: 'etcd', healthy: true, since }], now });
    expect(getCondition(c, 'Connected')).toMatchObject({ status: 'False', reason: 'Lost' });
    expect(getCondition(c, 'Connected')!.message).toContain(since);
    expect(getCondition(c, 'ComponentsHealthy')!.status).toBe('Unknown');
  });
});
