import { nodeObject, nodeStatus } from './node-object';

const id = {
  name: 'node-a',
  nodeIP: '127.0.0.2',
  hostname: 'node-a',
  kubeletPort: 10250,
  kubeletVersion: 'v1.32.0',
  labels: { 'node-role.kubernetes.io/worker': '' },
  taints: [],
  cpus: 2,
  memoryBytes: 4 * 1024 ** 3,
  maxPods: 110,
};

describe('node object', () => {
  it('carries the upstream well-known labels, addresses and a Ready condition', () => {
    const node = nodeObject(id, new Date('2026-01-01T00:00:00Z')) as any;
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'node-a', 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/worker': '' });
    expect(node.status.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.0.2' },
      { type: 'Hostname', address: 'node-a' },
    ]);
    expect(node.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2026-01-01T00:00:00Z' });
    expect(node.status.capacity).toEqual({ cpu: '2', memory: '4194304Ki', pods: '110', 'ephemeral-storage': '10Gi' });
  });

  it('moves only the heartbeat between status updates', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const later = nodeStatus(id, new Date('2026-01-01T00:00:10Z'), t0) as any;
    const ready = later.conditions.find((c: any) => c.type === 'Ready');
    expect(ready.lastHeartbeatTime).toBe('2026-01-01T00:00:10Z');
    expect(ready.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });
});
