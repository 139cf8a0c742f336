import type { PlacementPlan } from '@corral/domain';
import { certificatesIssuedMessage, dnsServers, healthyApiServers, isConverged, nodeCidrs, placementChangeEvents, refusalEvents, repairConditions } from './status.phase';
import { host, report, spec, view } from './reconcile-fixtures.spec-helper';

const plan = (etcd: PlacementPlan['etcd'], changes: PlacementPlan['changes'] = []): PlacementPlan => ({
  placement: [],
  changes,
  etcd,
  sufficiency: { sufficient: true, needed: {}, message: 'enough' } as PlacementPlan['sufficiency'],
  refusals: [],
});
const none = { action: 'none' } as PlacementPlan['etcd'];
const refuse = (reason: string) => ({ action: 'refuse', reason, message: `refused: ${reason}` }) as unknown as PlacementPlan['etcd'];

describe('status phase', () => {
  it('reports refusals, membership problems and held updates as conditions', () => {
    expect(repairConditions(plan(none), null, null, 0.5)).toEqual([
      expect.objectContaining({ type: 'RemediationAllowed', status: 'True', message: expect.stringContaining('50%') }),
      expect.objectContaining({ type: 'UpToDate', status: 'True' }),
    ]);
    expect(repairConditions(plan(refuse('QuorumAtRisk')), null, 'waiting for etcd', 0.5).map((c) => [c.type, c.status, c.reason])).toEqual([
      ['EtcdReady', 'False', 'QuorumAtRisk'],
      ['RemediationAllowed', 'True', 'WithinLimits'],
      ['UpToDate', 'False', 'RollingUpdate'],
    ]);
    expect(repairConditions(plan(refuse('TooManyUnhealthy')), { reason: 'EtcdUnreachable', message: 'x' }, null, 0.5).map((c) => [c.type, c.reason])).toEqual([
      ['EtcdReady', 'EtcdUnreachable'],
      ['RemediationAllowed', 'TooManyUnhealthy'],
      ['UpToDate', 'AllUpdatesReleased'],
    ]);
  });

  it('records a refusal when it starts or its reason changes, not on every look', () => {
    const refusal = { type: 'RemediationAllowed', status: 'False' as const, reason: 'TooManyUnhealthy', message: 'too many' };
    expect(refusalEvents('env-1', [], [refusal])).toEqual([{ environmentId: 'env-1', type: 'Warning', reason: 'RemediationStopped', message: 'too many' }]);
    const before = [{ ...refusal, lastTransitionTime: '2026-01-01T00:00:00Z' }];
    expect(refusalEvents('env-1', before, [refusal])).toEqual([]);
    const quorum = { type: 'RemediationAllowed', status: 'False' as const, reason: 'QuorumAtRisk', message: 'q' };
    expect(refusalEvents('env-1', before, [quorum])).toEqual([expect.objectContaining({ reason: 'EtcdMembershipRefused' })]);
    expect(refusalEvents('env-1', [], [{ ...refusal, reason: 'Other' }])).toEqual([]);
  });

  it('records a corral.dev/scale problem when its message changes, not on every look', () => {
    const invalid = { type: 'IngressScale', status: 'False' as const, reason: 'InvalidScale', message: 'default/app asks for "abc"' };
    expect(refusalEvents('env-1', [], [invalid])).toEqual([{ environmentId: 'env-1', type: 'Warning', reason: 'IngressScaleInvalid', message: invalid.message }]);
    const before = [{ ...invalid, lastTransitionTime: '2026-01-01T00:00:00Z' }];
    expect(refusalEvents('env-1', before, [invalid])).toEqual([]);
    expect(refusalEvents('env-1', before, [{ ...invalid, reason: 'ScaleCapped', message: 'default/app asks for 9' }])).toEqual([expect.objectContaining({ reason: 'IngressScaleCapped' })]);
    expect(refusalEvents('env-1', [], [{ ...invalid, status: 'True' as const, reason: 'Applied' }])).toEqual([]);
  });

  it('records only placement changes that were written, never the initial placement', () => {
    const changes: PlacementPlan['changes'] = [
      { action: 'add', hostId: 'h1', kind: 'etcd', reason: 'Initial', message: 'first' },
      { action: 'add', hostId: 'h2', kind: 'etcd', reason: 'Replacement', message: 'replaces h3' },
      { action: 'remove', hostId: 'h3', kind: 'etcd', reason: 'HostLost', message: 'h3 lost' },
      { action: 'remove', hostId: 'h4', kind: 'kubelet', reason: 'ScaledDown', message: 'scaled' },
      { action: 'add', hostId: 'gone', kind: 'etcd', reason: 'Replacement', message: 'not written' },
    ] as PlacementPlan['changes'];
    const current = [
      { hostId: 'h3', kind: 'etcd' as const },
      { hostId: 'h4', kind: 'kubelet' as const },
    ];
    const placement = [
      { hostId: 'h1', kind: 'etcd' as const },
      { hostId: 'h2', kind: 'etcd' as const },
    ];
    expect(placementChangeEvents('env-1', plan(none, changes), current, placement).map((e) => [e.hostId, e.reason, e.type])).toEqual([
      ['h2', 'ComponentPlaced', 'Normal'],
      ['h3', 'ComponentUnplaced', 'Warning'],
      ['h4', 'ComponentUnplaced', 'Normal'],
    ]);
  });

  it('routes API, DNS and node CIDRs only through healthy components on active hosts', () => {
    const hosts = [host(1), host(2, { state: 'disconnected' }), host(3)];
    const state = view(hosts, [], [
      report('h1', spec('kube-apiserver')),
      report('h2', spec('kube-apiserver')),
      report('h3', spec('kube-apiserver'), { healthy: false }),
      report('h1', spec('cluster-dns')),
      report('h2', spec('cluster-dns')),
      report('h3', spec('kubelet')),
      report('h1', spec('kubelet'), { healthy: false }),
    ]);
    expect(healthyApiServers(state, hosts)).toEqual(['https://10.0.0.1:6443']);
    expect(dnsServers(state)).toEqual([{ address: '10.0.0.1', node: 'node-1' }]);
    const podNetwork = { hosts: { h1: { nodeCidr: '10.42.0.0/24', routes: [] }, h3: { nodeCidr: '10.42.1.0/24', routes: [] } }, exhausted: [] };
    expect(nodeCidrs(state, podNetwork)).toEqual([{ node: 'node-3', cidr: '10.42.1.0/24' }]);
  });

  it('converges only when active with nothing pending, or when only hosts coming back can help', () => {
    const done = { state: 'active', plan: plan(none), heldUpdates: 0, problem: null, nodeCidrsPending: false };
    expect(isConverged(done)).toBe(true);
    expect(isConverged({ ...done, state: 'degraded' })).toBe(false);
    expect(isConverged({ ...done, heldUpdates: 1 })).toBe(false);
    expect(isConverged({ ...done, problem: { reason: 'EtcdUnreachable', message: '' } })).toBe(false);
    expect(isConverged({ ...done, nodeCidrsPending: true })).toBe(false);
    expect(isConverged({ ...done, plan: plan({ action: 'add' } as PlacementPlan['etcd']) })).toBe(false);
    expect(isConverged({ ...done, state: 'degraded', plan: plan(refuse('QuorumAtRisk')) })).toBe(true);
  });

  it('names at most eight issued certificates', () => {
    expect(certificatesIssuedMessage([])).toBeNull();
    expect(certificatesIssuedMessage(['a', 'b'])).toBe('issued 2 certificate(s): a, b');
    expect(certificatesIssuedMessage(Array.from({ length: 9 }, (_, i) => `c${i}`))).toBe('issued 9 certificate(s): c0, c1, c2, c3, c4, c5, c6, c7, …');
  });
});
