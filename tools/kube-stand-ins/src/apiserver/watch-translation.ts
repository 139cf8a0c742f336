import type { KeyValue, WatchEvent } from '@corral/kube';
import type { KubeObject } from './object-lifecycle';
import { apiVersionOf, ResourceDef } from './resources';
import type { ObjectSelector } from './selectors';

export type KubeWatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface KubeWatchEvent {
  type: KubeWatchEventType;
  object: Record<string, unknown>;
}

/** Stored bytes -> object with metadata.resourceVersion = the revision that wrote (or deleted) it. */
export function decodeObject(value: Buffer, revision: number): KubeObject {
  const obj = JSON.parse(value.toString('utf8')) as KubeObject;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(revision) };
  return obj;
}

export function encodeObject(obj: KubeObject): string {
  const meta = { ...(obj.metadata ?? {}) };
  delete meta.resourceVersion;
  return JSON.stringify({ ...obj, metadata: meta });
}

/** A minimal object for a deletion whose previous value etcd no longer has. */
function tombstone(r: ResourceDef, key: string, revision: number): KubeObject {
  const parts = key.split('/');
  const name = parts[parts.length - 1];
  const metadata: Record<string, unknown> = { name, resourceVersion: String(revision) };
  if (r.namespaced) metadata.namespace = parts[parts.length - 2];
  return { apiVersion: apiVersionOf(r), kind: r.kind, metadata };
}

/**
 * Turns one etcd event into the Kubernetes watch event a client filtered by `selector` sees,
 * as upstream's etcd3 watcher does: an update that makes an object start matching is ADDED,
 * one that makes it stop matching is DELETED (with the old object at the new revision).
 */
export function translateEvent(r: ResourceDef, event: WatchEvent, selector: ObjectSelector): KubeWatchEvent | undefined {
  const revision = event.kv.modRevision;
  const prev = event.prevKv ? decodeObject(event.prevKv.value, revision) : undefined;
  if (event.type === 'DELETE') {
    const old = prev ?? tombstone(r, event.kv.key, revision);
    return !prev || selector.matches(old) ? { type: 'DELETED', object: old } : undefined;
  }
  const cur = decodeObject(event.kv.value, revision);
  const curMatches = selector.matches(cur);
  const isCreate = event.kv.createRevision === event.kv.modRevision;
  if (isCreate || !prev) {
    if (!curMatches) return undefined;
    return { type: isCreate ? 'ADDED' : 'MODIFIED', object: cur };
  }
  const oldMatches = selector.matches(prev);
  if (curMatches && oldMatches) return { type: 'MODIFIED', object: cur };
  if (curMatches) return { type: 'ADDED', object: cur };
  if (oldMatches) return { type: 'DELETED', object: prev };
  return undefined;
}

export function kvToObject(kv: KeyValue): KubeObject {
  return decodeObject(kv.value, kv.modRevision);
}
