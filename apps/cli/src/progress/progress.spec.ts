import type { EnvironmentEventView, EnvironmentResource } from '@corral/contracts';
import { ProgressModel } from './progress-model';
import { plainProgress, renderSteps } from './progress-reporter';

const event = (over: Partial<EnvironmentEventView>): EnvironmentEventView => ({
  id: '1',
  environmentId: 'e',
  hostId: null,
  component: null,
  type: 'Normal',
  reason: 'X',
  message: 'x',
  createdAt: '2026-01-01T00:00:00Z',
  kind: 'event',
  ...over,
});
const condition = (type: string, status: 'True' | 'False', reason: string, message: string) =>
  event({ kind: 'condition', reason: status === 'True' ? type : `${type}False`, type: status === 'False' ? 'Warning' : 'Normal', message: `${type}=${status} (${reason}): ${message}`, condition: { type, status } });

describe('wait progress', () => {
  it('tracks the state and one step per condition with when it became ready', () => {
    const model = new ProgressModel(1000);
    model.apply({ kind: 'environment', environment: { name: 'ci-1', state: 'provisioning', conditions: [{ type: 'HostsSufficient', status: 'True', reason: 'Sufficient', message: 'ok', lastTransitionTime: '' }] } as EnvironmentResource }, 1200);
    model.apply({ kind: 'event', event: condition('EtcdReady', 'True', 'AllHealthy', '1 etcd component(s) healthy') }, 3000);
    model.apply({ kind: 'event', event: condition('ControlPlaneReady', 'False', 'Starting', 'kube-apiserver on node-1: starting') }, 3100);
    model.apply({ kind: 'event', event: condition('WorkersReady', 'False', 'CrashLoop', 'kubelet on node-1: crash-looping') }, 3200);
    model.apply({ kind: 'event', event: event({ kind: 'state', reason: 'StateActive', state: 'active', message: 'active' }) }, 4000);
    expect(model.state).toBe('active');
    expect(model.steps.map((s) => [s.label, s.status, s.doneAtMs, s.detail])).toEqual([
      ['Hosts', 'done', 200, undefined],
      ['etcd', 'done', 2000, undefined],
      ['Control plane', 'working', undefined, 'kube-apiserver on node-1: starting'],
      ['Workers', 'failed', undefined, 'kubelet on node-1: crash-looping'],
      ['Ingress', 'waiting', undefined, undefined],
    ]);
    expect(renderSteps('ci-1', model, 12_345, '⠋')).toEqual([
      '⠋ ci-1  active  12.3s',
      '  ✓ Hosts          0.2s',
      '  ✓ etcd           2.0s',
      '  ⠋ Control plane  kube-apiserver on node-1: starting',
      '  ✗ Workers        kubelet on node-1: crash-looping',
      '  · Ingress',
    ]);
    expect(renderSteps('ci-1', model, 12_345, '⠋', 'ci-1 failed')[0]).toBe('ci-1 failed');
  });

  it('writes one timestamped line per event for logs, warnings marked', () => {
    let t = 5000;
    const out: string[] = [];
    const progress = plainProgress((s) => out.push(s), () => t);
    progress.onItem({ kind: 'environment', environment: { name: 'ci-1', state: 'pending', conditions: [] } as unknown as EnvironmentResource });
    t = 7500;
    progress.onItem({ kind: 'event', event: event({ type: 'Warning', message: 'etcd on node-1 restarted' }) });
    progress.onItem({ kind: 'event', event: condition('Ready', 'False', 'Starting', 'EtcdReady: …') });
    progress.onItem({ kind: 'event', event: condition('EtcdReady', 'False', 'Starting', 'etcd on node-1: starting') });
    t = 17_000;
    progress.finish('ci-1 is active after 12.0s');
    expect(out).toEqual(['[   0.0s] ci-1 is pending\n', '[   2.5s] warning: etcd on node-1 restarted\n', '[   2.5s] EtcdReady=False (Starting): etcd on node-1: starting\n', '[  12.0s] ci-1 is active after 12.0s\n']);
  });
});
