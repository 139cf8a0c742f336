import type { KeyValue, WatchEvent } from '@corral/kube';
import { RESOURCES } from './resources';
import { compileSelector } from './selectors';
import { decodeObject, encodeObject, translateEvent } from './watch-translation';

const pods = RESOURCES.find((r) => r.name === 'pods')!;
const kv = (obj: object, create: number, mod: number): KeyValue => ({
  key: '/registry/pods/default/p',
  value: Buffer.from(JSON.stringify(obj)),
  createRevision: create,
  modRevision: mod,
  version: 1,
});
const pod = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels } });
const all = compileSelector(undefined, undefined, []);
const web = compileSelector('app=web', undefined, []);

describe('translateEvent', () => {
  it('reports creates as ADDED with the etcd revision as resourceVersion', () => {
    const e: WatchEvent = { type: 'PUT', kv: kv(pod({}), 5, 5) };
    expect(translateEvent(pods, e, all)).toEqual({ type: 'ADDED', object: { ...pod({}), metadata: { ...pod({}).metadata, resourceVersion: '5' } } });
  });

  it('reports updates as MODIFIED', () => {
    const e: WatchEvent = { type: 'PUT', kv: kv(pod({ app: 'web' }), 5, 7), prevKv: kv(pod({ app: 'web' }), 5, 5) };
    expect(translateEvent(pods, e, web)?.type).toBe('MODIFIED');
  });

  it('turns selector transitions into ADDED and DELETED', () => {
    const into: WatchEvent = { type: 'PUT', kv: kv(pod({ app: 'web' }), 5, 7), prevKv: kv(pod({ app: 'db' }), 5, 5) };
    expect(translateEvent(pods, into, web)?.type).toBe('ADDED');
    const out: WatchEvent = { type: 'PUT', kv: kv(pod({ app: 'db' }), 5, 8), prevKv: kv(pod({ app: 'web' }), 5, 7) };
    const ev = translateEvent(pods, out, web)!;
    expect(ev.type).toBe('DELETED');
    expect((ev.object.metadata as { labels: object; resourceVersion: string }).labels).toEqual({ app: 'web' });
    expect((ev.object.metadata as { resourceVersion: string }).resourceVersion).toBe('8');
    const never: WatchEvent = { type: 'PUT', kv: kv(pod({ app: 'db' }), 5, 9), prevKv: kv(pod({ app: 'db' }), 5, 8) };
    expect(translateEvent(pods, never, web)).toBeUndefined();
  });

  it('reports deletes with the previous object at the deletion revision', () => {
    const e: WatchEvent = { type: 'DELETE', kv: { key: '/registry/pods/default/p', value: Buffer.alloc(0), createRevision: 0, modRevision: 12, version: 0 }, prevKv: kv(pod({ app: 'web' }), 5, 9) };
    const ev = translateEvent(pods, e, web)!;
    expect(ev.type).toBe('DELETED');
    expect(ev.object.metadata).toMatchObject({ name: 'p', resourceVersion: '12' });
  });

  it('builds a tombstone when etcd has no previous value', () => {
    const e: WatchEvent = { type: 'DELETE', kv: { key: '/registry/pods/ns1/gone', value: Buffer.alloc(0), createRevision: 0, modRevision: 3, version: 0 } };
    expect(translateEvent(pods, e, all)?.object).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gone', namespace: 'ns1', resourceVersion: '3' } });
  });
});

describe('object encoding', () => {
  it('never stores resourceVersion and restores it from the revision', () => {
    const stored = encodeObject({ metadata: { name: 'a', resourceVersion: '99' } });
    expect(stored).not.toContain('99');
    expect(decodeObject(Buffer.from(stored), 42).metadata?.resourceVersion).toBe('42');
  });
});
