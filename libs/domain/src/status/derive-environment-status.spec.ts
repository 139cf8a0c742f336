import fc from 'fast-check';
import { COMPONENT_KINDS, COMPONENT_PHASES } from '@corral/contracts';
import { getCondition } from '../conditions/conditions';
import { canTransition, ENVIRONMENT_STATES } from '../lifecycle/environment-state-machine';
import type { Placement } from '../planner/planner-types';
import { deriveEnvironmentStatus, type ComponentStatusInput, type EnvironmentStatusInput } from './derive-environment-status';

const now = new Date('2025-03-01T12:00:00Z');
const hosts = [
  { id: 'h1', hostname: 'node-a', address: '10.0.0.1' },
  { id: 'h2', hostname: 'node-b', address: '10.0.0.2' },
];
const placement: Placement[] = [
  { hostId: 'h1', kind: 'etcd' },
  { hostId: 'h1', kind: 'kube-apiserver' },
  { hostId: 'h1', kind: 'kube-scheduler' },
  { hostId: 'h1', kind: 'kube-controller-manager' },
  { hostId: 'h1', kind: 'kubelet' },
  { hostId: 'h1', kind: 'kube-proxy' },
  { hostId: 'h2', kind: 'kubelet' },
  { hostId: 'h2', kind: 'kube-proxy' },
  { hostId: 'h2', kind: 'ingress-controller' },
];
const healthy = (p: Placement): ComponentStatusInput => ({ ...p, phase: 'running', healthy: true });
const base = (over: Partial<EnvironmentStatusInput> = {}): EnvironmentStatusInput => ({
  state: 'provisioning',
  placement,
  componentStatuses: placement.map(healthy),
  hostsSufficient: true,
  ingressReplicas: 1,
  hosts,
  now,
  ...over,
});
const withStatus = (kind: string, hostId: string, s: Partial<ComponentStatusInput>) =>
  placement.map((p) => (p.kind === kind && p.hostId === hostId ? { ...healthy(p), ...s } : healthy(p)));

describe('deriveEnvironmentStatus', () => {
  it('provisioning becomes active once everything is healthy', () => {
    const status = deriveEnvironmentStatus(base());
    expect(status).toMatchObject({ state: 'active', changed: true, message: 'provisioning -> active: every component is healthy' });
    expect(status.conditions.map((c) => [c.type, c.status])).toEqual([
      ['Ready', 'True'],
      ['EtcdReady', 'True'],
      ['ControlPlaneReady', 'True'],
      ['WorkersReady', 'True'],
      ['IngressReady', 'True'],
      ['HostsSufficient', 'True'],
    ]);
    expect(status.conditions.every((c) => c.lastTransitionTime === now.toISOString())).toBe(true);
  });

  it('stays provisioning (never degraded) while components start or fail', () => {
    const status = deriveEnvironmentStatus(base({ componentStatuses: withStatus('etcd', 'h1', { phase: 'starting', healthy: false }) }));
    expect(status.state).toBe('provisioning');
    expect(getCondition(status.conditions, 'EtcdReady')).toMatchObject({ status: 'False', reason: 'Starting', message: 'etcd on node-a (10.0.0.1): starting' });
    const missing = deriveEnvironmentStatus(base({ componentStatuses: [] }));
    expect(missing.state).toBe('provisioning');
    expect(getCondition(missing.conditions, 'WorkersReady')?.reason).toBe('NoStatus');
  });

  it('a component restarting after a failure keeps the degraded reason and its last log lines', () => {
    const statuses = withStatus('kube-scheduler', 'h1', {
      phase: 'starting',
      healthy: false,
      message: 'previous run exited on signal SIGKILL; waiting for the first successful probe: connect ECONNREFUSED',
      lastLogLines: ['I0301 leader elected', 'W0301 lost connection'],
    });
    const cp = getCondition(deriveEnvironmentStatus(base({ state: 'active', componentStatuses: statuses })).conditions, 'ControlPlaneReady')!;
    expect(cp).toMatchObject({ status: 'False', reason: 'Starting' });
    expect(cp.message).toBe(
      'kube-scheduler on node-a (10.0.0.1): starting: previous run exited on signal SIGKILL; waiting for the first successful probe: connect ECONNREFUSED; last log: I0301 leader elected | W0301 lost connection',
    );
  });

  it('active degrades naming the failing component, host, message and last log lines', () => {
    const statuses = withStatus('kube-apiserver', 'h1', {
      phase: 'failed',
      healthy: false,
      exitCode: 1,
      message: 'exited',
      lastLogLines: ['starting', 'listening', 'E0301 etcd connection refused', 'F0301 fatal: no etcd', ''],
    });
    const status = deriveEnvironmentStatus(base({ state: 'active', componentStatuses: statuses }));
    expect(status.state).toBe('degraded');
    const cp = getCondition(status.conditions, 'ControlPlaneReady')!;
    expect(cp).toMatchObject({ status: 'False', reason: 'Failed' });
    expect(cp.message).toBe(
      'kube-apiserver on node-a (10.0.0.1): failed (exit 1): exited; last log: listening | E0301 etcd connection refused | F0301 fatal: no etcd',
    );
    expect(getCondition(status.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'Failed', message: `ControlPlaneReady: ${cp.message}` });
    expect(status.message).toContain('active -> degraded: ControlPlaneReady: kube-apiserver on node-a');
  });

  it('degraded returns to active, keeping transition times of unchanged conditions', () => {
    const earlier = new Date('2025-03-01T11:00:00Z');
    const degraded = deriveEnvironmentStatus(base({ state: 'active', now: earlier, componentStatuses: withStatus('kubelet', 'h2', { phase: 'unhealthy', healthy: false }) }));
    const back = deriveEnvironmentStatus(base({ state: 'degraded', conditions: degraded.conditions }));
    expect(back.state).toBe('active');
    expect(getCondition(back.conditions, 'WorkersReady')?.lastTransitionTime).toBe(now.toISOString());
    expect(getCondition(back.conditions, 'EtcdReady')?.lastTransitionTime).toBe(earlier.toISOString());
  });

  it('upgrading finishes only when every component runs its new spec', () => {
    const desired = placement.map((p) => ({ ...p, specHash: 'new' }));
    const old = deriveEnvironmentStatus(base({ state: 'upgrading', placement: desired, componentStatuses: placement.map((p) => ({ ...healthy(p), specHash: p.kind === 'kubelet' ? 'old' : 'new' })) }));
    expect(old.state).toBe('upgrading');
    expect(getCondition(old.conditions, 'WorkersReady')).toMatchObject({ reason: 'Updating', message: expect.stringContaining('kubelet on node-a (10.0.0.1): still running the previous spec') });
    const done = deriveEnvironmentStatus(base({ state: 'upgrading', placement: desired, componentStatuses: placement.map((p) => ({ ...healthy(p), specHash: 'new' })) }));
    expect(done.state).toBe('active');
  });

  it('does not trust reports from hosts that are not active', () => {
    const status = deriveEnvironmentStatus(base({ state: 'active', hosts: [hosts[0], { ...hosts[1], state: 'disconnected' }] }));
    expect(status.state).toBe('degraded');
    expect(getCondition(status.conditions, 'IngressReady')).toMatchObject({ reason: 'HostUnreachable', message: 'ingress-controller on node-b (10.0.0.2): host is disconnected' });
  });

  it('reports crash loops first and lists at most three problems', () => {
    const statuses = placement.map((p) =>
      p.kind === 'kubelet' || p.kind === 'kube-proxy'
        ? { ...healthy(p), phase: 'starting' as const, healthy: false, crashLoop: p.hostId === 'h2' && p.kind === 'kube-proxy' }
        : healthy(p),
    );
    const workers = getCondition(deriveEnvironmentStatus(base({ state: 'active', componentStatuses: statuses })).conditions, 'WorkersReady')!;
    expect(workers.reason).toBe('CrashLoop');
    expect(workers.message).toMatch(/^kube-proxy on node-b \(10\.0\.0\.2\): crash-looping; .*; and 1 more$/);
  });

  it('handles missing placements, ingress not requested and insufficient hosts', () => {
    const status = deriveEnvironmentStatus(base({ placement: [], componentStatuses: [], ingressReplicas: 0, hostsSufficient: { sufficient: false, message: 'needs 2 more etcd-eligible hosts' } }));
    expect(status.state).toBe('provisioning');
    expect(getCondition(status.conditions, 'EtcdReady')).toMatchObject({ status: 'False', reason: 'NotPlaced' });
    expect(getCondition(status.conditions, 'IngressReady')).toMatchObject({ status: 'True', reason: 'NotRequested' });
    expect(getCondition(status.conditions, 'HostsSufficient')).toMatchObject({ status: 'False', reason: 'InsufficientHosts', message: 'needs 2 more etcd-eligible hosts' });
    const noIngressInfo = deriveEnvironmentStatus(base({ placement: placement.filter((p) => p.kind !== 'ingress-controller'), ingressReplicas: undefined }));
    expect(getCondition(noIngressInfo.conditions, 'IngressReady')?.status).toBe('Unknown');
    expect(noIngressInfo.state).toBe('provisioning');
  });

  it('keeps states that jobs own', () => {
    for (const state of ['pending', 'deleting', 'deleted', 'error'] as const) {
      expect(deriveEnvironmentStatus(base({ state })).state).toBe(state);
    }
  });

  it('always makes an allowed move, and is active exactly when every placed component is healthy', () => {
    const statusArb = fc.record({
      phase: fc.constantFrom(...COMPONENT_PHASES),
      healthy: fc.boolean(),
      crashLoop: fc.boolean(),
      message: fc.option(fc.string({ maxLength: 10 })),
      lastLogLines: fc.array(fc.string({ maxLength: 300 }), { maxLength: 5 }),
    });
    const entry = fc.record({ hostId: fc.constantFrom('h1', 'h2', 'h3'), kind: fc.constantFrom(...COMPONENT_KINDS) });
    fc.assert(
      fc.property(
        fc.constantFrom(...ENVIRONMENT_STATES),
        fc.uniqueArray(entry, { selector: (p) => `${p.hostId}/${p.kind}`, maxLength: 12 }),
        fc.array(fc.option(statusArb, { nil: undefined }), { minLength: 12, maxLength: 12 }),
        (state, placed, obs) => {
          const componentStatuses = placed.flatMap((p, i) => (obs[i] ? [{ ...p, ...obs[i]! }] : []));
          const result = deriveEnvironmentStatus({ state, placement: placed, componentStatuses, hostsSufficient: true, ingressReplicas: 1, hosts, now });
          expect(canTransition(state, result.state)).toBe(true);
          const ok = (k: string) => placed.filter((p) => k.split(',').includes(p.kind));
          const everyHealthy = componentStatuses.length === placed.length && componentStatuses.every((s) => s.healthy && s.phase === 'running');
          const complete = ['etcd', 'kube-apiserver,kube-scheduler,kube-controller-manager', 'kubelet,kube-proxy', 'ingress-controller'].every((k) => ok(k).length > 0);
          if (['provisioning', 'active', 'degraded', 'upgrading'].includes(state)) {
            expect(result.state === 'active').toBe(everyHealthy && complete);
          } else expect(result.state).toBe(state);
          if (state === 'provisioning') expect(result.state).not.toBe('degraded');
          for (const c of result.conditions) {
            expect(c.message.length).toBeLessThanOrEqual(2000);
            if (c.status === 'False' && c.reason !== 'NotPlaced' && c.type !== 'Ready') expect(c.message).toMatch(/ on (node-a|node-b|h3)/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
