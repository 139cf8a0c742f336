import fc from 'fast-check';
import type { DesiredComponent } from '@corral/contracts';
import { computeReconcileDiff } from './reconcile-diff';

const component = (name: string, specHash: string): DesiredComponent => ({
  name,
  kind: name,
  specHash,
  spec: { name, kind: name, binary: name, args: [], files: [], ports: [] },
});

describe('computeReconcileDiff', () => {
  it('starts new, restarts changed, stops removed, keeps unchanged', () => {
    const current = new Map([
      ['etcd', 'h1'],
      ['kube-apiserver', 'h2'],
      ['kube-proxy', 'h3'],
    ]);
    const diff = computeReconcileDiff(current, [component('etcd', 'h1'), component('kube-apiserver', 'h2b'), component('kubelet', 'h4')]);
    expect(diff.start.map((c) => c.name)).toEqual(['kubelet']);
    expect(diff.restart.map((c) => c.name)).toEqual(['kube-apiserver']);
    expect(diff.stop).toEqual(['kube-proxy']);
    expect(diff.keep).toEqual(['etcd']);
  });

  it('ignores duplicate desired names after the first', () => {
    const diff = computeReconcileDiff(new Map(), [component('etcd', 'a'), component('etcd', 'b')]);
    expect(diff.start).toEqual([component('etcd', 'a')]);
  });

  it('partitions every name exactly once and is a no-op when applied to itself', () => {
    const entry = fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.constantFrom('h1', 'h2'));
    fc.assert(
      fc.property(fc.array(entry), fc.array(entry), (cur, des) => {
        const current = new Map<string, string>(cur);
        const desired = des.map(([n, h]) => component(n, h));
        const diff = computeReconcileDiff(current, desired);
        const names = [...diff.start.map((c) => c.name), ...diff.restart.map((c) => c.name), ...diff.stop, ...diff.keep];
        expect(new Set(names).size).toBe(names.length);
        expect(new Set(names)).toEqual(new Set([...current.keys(), ...desired.map((c) => c.name)]));

        const after = new Map(current);
        for (const n of diff.stop) after.delete(n);
        for (const c of [...diff.start, ...diff.restart]) after.set(c.name, c.specHash);
        const again = computeReconcileDiff(after, desired);
        expect(again.start).toEqual([]);
        expect(again.restart).toEqual([]);
        expect(again.stop).toEqual([]);
      }),
    );
  });
});
