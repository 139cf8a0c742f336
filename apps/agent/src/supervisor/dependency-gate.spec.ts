import { blockedByDependencies } from './dependency-gate';

describe('blockedByDependencies', () => {
  const view = (desired: string[], healthy: string[]) => ({
    desired: (n: string) => desired.includes(n),
    healthy: (n: string) => healthy.includes(n),
  });

  it('lets a component without dependencies start', () => {
    expect(blockedByDependencies(undefined, view([], []))).toBeNull();
    expect(blockedByDependencies([], view([], []))).toBeNull();
  });

  it('lets it start once every dependency is healthy', () => {
    expect(blockedByDependencies(['etcd', 'kube-apiserver'], view(['etcd', 'kube-apiserver'], ['etcd', 'kube-apiserver']))).toBeNull();
  });

  it('names every dependency still missing and why', () => {
    expect(blockedByDependencies(['etcd', 'kube-apiserver'], view(['etcd'], []))).toBe(
      'waiting for dependencies: etcd (not healthy), kube-apiserver (not desired on this host)',
    );
  });
});
