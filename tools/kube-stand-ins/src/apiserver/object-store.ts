import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, conflict, notFound } from './api-status';
import { EtcdClient, EtcdError, prefixEnd, type KeyValue, type TxnOp } from '@corral/kube';
import { KubeObject, prepareForCreate, prepareForUpdate } from './object-lifecycle';
import { listPrefix, NAMESPACE_RESOURCE, objectKey, RESOURCES, ResourceDef } from './resources';
import type { ObjectSelector } from './selectors';
import { encodeObject, kvToObject, KubeWatchEvent, translateEvent } from './watch-translation';

export interface ListOptions {
  selector: ObjectSelector;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  revision: number;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface WatchOptions {
  selector: ObjectSelector;
  resourceVersion?: string;
  sendInitialEvents?: boolean;
  allowBookmarks?: boolean;
}

export interface WatchSink {
  event(e: KubeWatchEvent): void;
  /** the watch is over: etcd went away or the client stopped it */
  end(): void;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

const MAX_UPDATE_ATTEMPTS = 8;

/** Maps storage failures to Kubernetes Status errors. */
export function storageError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof EtcdError) {
    if (e.compacted) return new ApiError('Expired', `The resourceVersion for the provided list is too old.`);
    if (e.unavailable) return new ApiError('InternalError', `Internal error occurred: ${e.message}`);
    return new ApiError('InternalError', `Internal error occurred: ${e.message}`);
  }
  return new ApiError('InternalError', `Internal error occurred: ${(e as Error)?.message ?? String(e)}`);
}

function parseRv(rv: string, what: string): number {
  if (!/^\d+$/.test(rv)) throw new ApiError('BadRequest', `invalid ${what} "${rv}"`);
  return Number(rv);
}

export function encodeContinue(revision: number, startKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start: startKey })).toString('base64url');
}

export function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v: string; rv: number; start: string };
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad');
    return parsed;
  } catch {
    throw new ApiError('BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

/**
 * Kubernetes object storage in etcd with upstream's semantics: resourceVersion is the etcd
 * mod_revision, creates and conditional updates are etcd transactions, lists are consistent
 * reads at one revision, watches are etcd watch streams from resourceVersion+1.
 */
export class ObjectStore {
  constructor(
    private readonly etcd: EtcdClient,
    private readonly prefix: string,
  ) {}

  async get(r: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject> {
    const res = await this.etcd.range(objectKey(this.prefix, r, namespace, name)).catch((e) => Promise.reject(storageError(e)));
    if (res.kvs.length === 0) throw notFound(r, name);
    return kvToObject(res.kvs[0]);
  }

  async list(r: ResourceDef, namespace: string | undefined, opts: ListOptions): Promise<ListResult> {
    const prefix = listPrefix(this.prefix, r, namespace);
    let revision: number | undefined;
    let startAfter = '';
    if (opts.continueToken) {
      const c = decodeContinue(opts.continueToken);
      revision = c.rv;
      startAfter = c.start;
    } else if (opts.resourceVersion && opts.resourceVersion !== '0' && opts.resourceVersionMatch === 'Exact') {
      revision = parseRv(opts.resourceVersion, 'resourceVersion');
    }
    let res;
    try {
      res = await this.etcd.range(startAfter ? prefix + startAfter : prefix, { rangeEnd: prefixEnd(prefix), revision });
    } catch (e) {
      if (e instanceof EtcdError && e.compacted && opts.continueToken) {
        throw new ApiError('Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      throw storageError(e);
    }
    const atRevision = revision ?? res.revision;
    const matching: { key: string; obj: KubeObject }[] = [];
    for (const kv of res.kvs) {
      const obj = kvToObject(kv);
      if (opts.selector.matches(obj)) matching.push({ key: kv.key, obj });
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    if (!limit || matching.length <= limit) return { items: matching.map((m) => m.obj), revision: atRevision };
    const page = matching.slice(0, limit);
    const lastKey = page[page.length - 1].key.slice(prefix.length);
    return {
      items: page.map((m) => m.obj),
      revision: atRevision,
      continueToken: encodeContinue(atRevision, lastKey + '\u0000'),
      remainingItemCount: opts.selector.empty ? matching.length - limit : undefined,
    };
  }

  async create(r: ResourceDef, namespace: string | undefined, input: KubeObject): Promise<KubeObject> {
    const obj = prepareForCreate(r, input, { namespace, uid: randomUUID(), now: new Date() });
    const name = obj.metadata!.name!;
    if (r.namespaced) await this.requireNamespace(namespace!);
    const key = objectKey(this.prefix, r, namespace, name);
    const res = await this.etcd
      .txn([{ key, target: 'CREATE', result: 'EQUAL', createRevision: 0 }], [{ put: { key, value: encodeObject(obj) } }])
      .catch((e) => Promise.reject(storageError(e)));
    if (!res.succeeded) throw alreadyExists(r, name);
    obj.metadata = { ...obj.metadata, resourceVersion: String(res.revision) };
    return obj;
  }

  /** PUT semantics: optimistic concurrency when the body carries metadata.resourceVersion. */
  async update(r: ResourceDef, namespace: string | undefined, name: string, input: KubeObject, subresource?: 'status'): Promise<{ obj: KubeObject; created: boolean }> {
    const rv = input?.metadata?.resourceVersion;
    return this.guaranteedUpdate(r, namespace, name, rv ? { resourceVersion: rv } : {}, (current) => {
      if (!current) {
        if (!r.createOnUpdate || subresource) throw notFound(r, name);
        return { ...input, metadata: { ...(input.metadata ?? {}), name } };
      }
      return prepareForUpdate(r, current, input, subresource);
    });
  }

  /**
   * Read-modify-write with compare-and-swap on mod_revision, retried (bounded) on races.
   * `mutate` gets undefined when the object does not exist and may then return a new object.
   */
  async guaranteedUpdate(
    r: ResourceDef,
    namespace: string | undefined,
    name: string,
    pre: Preconditions,
    mutate: (current: KubeObject | undefined) => KubeObject,
  ): Promise<{ obj: KubeObject; created: boolean }> {
    const key = objectKey(this.prefix, r, namespace, name);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const res = await this.etcd.range(key).catch((e) => Promise.reject(storageError(e)));
      const kv: KeyValue | undefined = res.kvs[0];
      const current = kv ? kvToObject(kv) : undefined;
      if (current) this.checkPreconditions(r, name, current, pre);
      const next = mutate(current);
      if (!current) {
        const created = await this.create(r, namespace, next);
        return { obj: created, created: true };
      }
      if (encodeObject(next) === encodeObject(current)) return { obj: current, created: false };
      const txn = await this.etcd
        .txn([{ key, target: 'MOD', result: 'EQUAL', modRevision: kv.modRevision }], [{ put: { key, value: encodeObject(next) } }])
        .catch((e) => Promise.reject(storageError(e)));
      if (txn.succeeded) {
        next.metadata = { ...next.metadata, resourceVersion: String(txn.revision) };
        return { obj: next, created: false };
      }
      if (pre.resourceVersion) throw conflict(r, name);
    }
    throw conflict(r, name);
  }

  async delete(r: ResourceDef, namespace: string | undefined, name: string, pre: Preconditions): Promise<KubeObject> {
    const key = objectKey(this.prefix, r, namespace, name);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const res = await this.etcd.range(key).catch((e) => Promise.reject(storageError(e)));
      const kv = res.kvs[0];
      if (!kv) throw notFound(r, name);
      const current = kvToObject(kv);
      this.checkPreconditions(r, name, current, pre);
      const ops: TxnOp[] = [{ deleteRange: { key } }];
      if (r === NAMESPACE_RESOURCE) {
        // namespace deletion is immediate here and takes the namespace's contents with it
        for (const nr of RESOURCES.filter((x) => x.namespaced)) {
          const p = listPrefix(this.prefix, nr, name);
          ops.push({ deleteRange: { key: p, rangeEnd: prefixEnd(p) } });
        }
      }
      const txn = await this.etcd
        .txn([{ key, target: 'MOD', result: 'EQUAL', modRevision: kv.modRevision }], ops)
        .catch((e) => Promise.reject(storageError(e)));
      if (txn.succeeded) {
        const meta = { ...current.metadata, resourceVersion: String(txn.revision) };
        if (r === NAMESPACE_RESOURCE) {
          meta.deletionTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
          return { ...current, metadata: meta, status: { phase: 'Terminating' } };
        }
        return { ...current, metadata: meta };
      }
    }
    throw conflict(r, name);
  }

  async deleteCollection(r: ResourceDef, namespace: string | undefined, selector: ObjectSelector): Promise<KubeObject[]> {
    const { items } = await this.list(r, namespace, { selector });
    const deleted: KubeObject[] = [];
    for (const item of items) {
      try {
        deleted.push(await this.delete(r, item.metadata?.namespace, item.metadata!.name!, {}));
      } catch (e) {
        if (!(e instanceof ApiError && e.reason === 'NotFound')) throw e;
      }
    }
    return deleted;
  }

  /**
   * Streams watch events to `sink`. Without a resourceVersion (or "0") the current state is
   * sent first as ADDED events. A resourceVersion older than etcd's compaction gets a 410
   * Expired ERROR event. Returns a function that stops the watch.
   */
  watch(r: ResourceDef, namespace: string | undefined, opts: WatchOptions, sink: WatchSink): () => void {
    const prefix = listPrefix(this.prefix, r, namespace);
    let stopEtcd: (() => void) | undefined;
    let stopped = false;
    const requested = opts.resourceVersion ?? '';
    const initial = requested === '' || requested === '0' || opts.sendInitialEvents === true;

    const startStream = (fromRevision: number) => {
      if (stopped) return;
      stopEtcd = this.etcd.watch(
        prefix,
        { prefix: true, startRevision: fromRevision, prevKv: true },
        {
          onEvents: (events) => {
            for (const e of events) {
              const out = translateEvent(r, e, opts.selector);
              if (out) sink.event(out);
            }
          },
          onCompacted: (compactRevision) => {
            sink.event({
              type: 'ERROR',
              object: new ApiError('Expired', `too old resource version: ${fromRevision - 1} (${compactRevision})`).toStatus(),
            });
          },
          onEnd: () => {
            if (!stopped) {
              stopped = true;
              sink.end();
            }
          },
        },
      );
    };

    const begin = async () => {
      if (!initial) {
        startStream(parseRv(requested, 'resourceVersion') + 1);
        return;
      }
      const list = await this.list(r, namespace, { selector: opts.selector });
      if (stopped) return;
      for (const item of list.items) sink.event({ type: 'ADDED', object: item });
      if (opts.sendInitialEvents && opts.allowBookmarks) {
        sink.event({
          type: 'BOOKMARK',
          object: { kind: r.kind, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, metadata: { resourceVersion: String(list.revision), annotations: { 'k8s.io/initial-events-end': 'true' } } },
        });
      }
      startStream(list.revision + 1);
    };

    begin().catch((e) => {
      if (stopped) return;
      sink.event({ type: 'ERROR', object: storageError(e).toStatus() });
      stopped = true;
      sink.end();
    });

    return () => {
      if (stopped) return;
      stopped = true;
      stopEtcd?.();
    };
  }

  /** Creates an object unless it exists (bootstrap of default namespaces). */
  async ensure(r: ResourceDef, namespace: string | undefined, obj: KubeObject): Promise<boolean> {
    try {
      await this.create(r, namespace, obj);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'AlreadyExists') return false;
      throw e;
    }
  }

  private async requireNamespace(namespace: string): Promise<void> {
    const res = await this.etcd.range(objectKey(this.prefix, NAMESPACE_RESOURCE, undefined, namespace), { countOnly: true }).catch((e) => Promise.reject(storageError(e)));
    if (res.count === 0) throw notFound(NAMESPACE_RESOURCE, namespace);
  }

  private checkPreconditions(r: ResourceDef, name: string, current: KubeObject, pre: Preconditions): void {
    if (pre.uid && pre.uid !== current.metadata?.uid) {
      throw new ApiError(
        'Conflict',
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata?.uid}`,
        { name, group: r.group || undefined, kind: r.name },
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata?.resourceVersion) throw conflict(r, name);
  }
}
