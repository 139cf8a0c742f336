import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError } from './api-status';
import type { ResourceTarget } from './api-path';
import { KubeObject, prepareForUpdate } from './object-lifecycle';
import { decodeKubeProtobuf, isProtobuf } from './protobuf-decoder';
import { ObjectStore, Preconditions, storageError } from './object-store';
import { applyPatch, PatchError, patchTypeOf } from './patch';
import { apiVersionOf, ResourceDef } from './resources';
import { compileSelector, ObjectSelector, SelectorError } from './selectors';
import { toTable, wantsTable } from './table';
import type { KubeWatchEvent } from './watch-translation';

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const MAX_WATCH_BUFFER_BYTES = 16 * 1024 * 1024;

export interface ResourceHandlerOptions {
  store: ObjectStore;
  /** --min-request-timeout: watches end after a random time in [t, 2t) seconds unless timeoutSeconds says otherwise */
  minRequestTimeoutSeconds: number;
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': payload.length, 'Cache-Control': 'no-cache, private' });
  res.end(payload);
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err = e instanceof ApiError ? e : storageError(e);
  if (!res.headersSent) sendJson(res, err.code, err.toStatus());
  else res.end();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError('BadRequest', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer, contentType: string | undefined, yaml = false): KubeObject {
  if (isProtobuf(contentType)) return decodeKubeProtobuf(raw) as KubeObject;
  const text = raw.toString('utf8');
  if (text.trim() === '') throw new ApiError('BadRequest', 'the body of the request was empty');
  try {
    return (yaml ? parseYaml(text) : JSON.parse(text)) as KubeObject;
  } catch (e) {
    throw new ApiError('BadRequest', `the body of the request was in an unknown format: ${(e as Error).message}`);
  }
}

function selectorFrom(r: ResourceDef, q: URLSearchParams, name?: string): ObjectSelector {
  let field = q.get('fieldSelector') ?? '';
  if (name) field = field ? `${field},metadata.name=${name}` : `metadata.name=${name}`;
  try {
    return compileSelector(q.get('labelSelector') ?? undefined, field || undefined, r.fieldLabels);
  } catch (e) {
    if (e instanceof SelectorError) throw new ApiError('BadRequest', `Unable to find "${apiVersionOf(r)}, Resource=${r.name}" that match label selector "${q.get('labelSelector') ?? ''}", field selector "${field}": ${e.message}`);
    throw e;
  }
}

const truthy = (v: string | null) => v === 'true' || v === '1';

/** CRUD, list and watch for one served resource, as the generic apiserver handlers do them. */
export class ResourceHandler {
  constructor(private readonly opts: ResourceHandlerOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse, target: ResourceTarget, query: URLSearchParams): Promise<void> {
    const { resource: r, namespace, name, subresource } = target;
    const method = req.method ?? 'GET';
    if (subresource && !(r.hasStatus && subresource === 'status') && !(r.name === 'namespaces' && subresource === 'finalize')) {
      throw new ApiError('NotFound', 'the server could not find the requested resource');
    }
    const store = this.opts.store;
    if (method !== 'GET' && query.has('dryRun')) {
      // refusing is safer than silently persisting what the client meant to try
      throw new ApiError('BadRequest', 'dryRun is not supported by this server');
    }
    const isWatch = target.watchPath || truthy(query.get('watch'));
    const table = wantsTable(req.headers.accept);

    if (method === 'GET' && isWatch) return this.watch(req, res, r, namespace, query, name, table);
    if (method === 'GET' && name) {
      const obj = await store.get(r, namespace, name);
      return sendJson(res, 200, table ? toTable(r, [obj], { resourceVersion: obj.metadata?.resourceVersion }) : obj);
    }
    if (method === 'GET') {
      const limit = query.get('limit');
      const list = await store.list(r, namespace, {
        selector: selectorFrom(r, query),
        limit: limit ? Number(limit) : undefined,
        continueToken: query.get('continue') ?? undefined,
        resourceVersion: query.get('resourceVersion') ?? undefined,
        resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
      });
      const meta: Record<string, unknown> = { resourceVersion: String(list.revision) };
      if (list.continueToken) meta.continue = list.continueToken;
      if (list.remainingItemCount !== undefined) meta.remainingItemCount = list.remainingItemCount;
      if (table) return sendJson(res, 200, toTable(r, list.items, meta));
      return sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: meta, items: list.items });
    }
    if (method === 'POST' && !name) {
      const body = parseBody(await readBody(req), req.headers['content-type']);
      return sendJson(res, 201, await store.create(r, namespace, body));
    }
    if (method === 'PUT' && name) {
      const body = parseBody(await readBody(req), req.headers['content-type']);
      const sub = subresource === 'status' ? 'status' : undefined;
      const { obj, created } = await store.update(r, namespace, name, body, sub);
      return sendJson(res, created ? 201 : 200, obj);
    }
    if (method === 'PATCH' && name) return this.patch(req, res, r, namespace, name, subresource === 'status' ? 'status' : undefined);
    if (method === 'DELETE' && name) {
      const raw = await readBody(req);
      const pre = raw.length ? ((parseBody(raw, req.headers['content-type']).preconditions as Preconditions | undefined) ?? {}) : {};
      const uid = query.get('preconditions.uid');
      if (uid) pre.uid = uid;
      const deleted = await store.delete(r, namespace, name, pre);
      return sendJson(res, 200, deleted);
    }
    if (method === 'DELETE' && !name) {
      const deleted = await store.deleteCollection(r, namespace, selectorFrom(r, query));
      return sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: {}, items: deleted });
    }
    throw new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }

  private async patch(req: IncomingMessage, res: ServerResponse, r: ResourceDef, namespace: string | undefined, name: string, sub: 'status' | undefined): Promise<void> {
    const type = patchTypeOf(req.headers['content-type']);
    if (!type) throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    const raw = await readBody(req);
    const patch: unknown = parseBody(raw, undefined, type === 'apply');
    const patchRv = type !== 'json' ? (patch as KubeObject)?.metadata?.resourceVersion : undefined;
    const { obj, created } = await this.opts.store.guaranteedUpdate(r, namespace, name, patchRv ? { resourceVersion: patchRv } : {}, (current) => {
      if (!current) {
        // server-side apply creates; the other patch types need an existing object
        if (type !== 'apply' || sub) throw new ApiError('NotFound', `${r.group ? `${r.name}.${r.group}` : r.name} "${name}" not found`, { name, group: r.group || undefined, kind: r.name });
        return { ...(patch as KubeObject), metadata: { ...((patch as KubeObject).metadata ?? {}), name } };
      }
      let patched: unknown;
      try {
        patched = applyPatch(type, current, patch);
      } catch (e) {
        if (e instanceof PatchError) throw new ApiError(e.status === 422 ? 'Invalid' : 'BadRequest', e.message);
        throw e;
      }
      return prepareForUpdate(r, current, patched as KubeObject, sub);
    });
    sendJson(res, created ? 201 : 200, obj);
  }

  private watch(req: IncomingMessage, res: ServerResponse, r: ResourceDef, namespace: string | undefined, query: URLSearchParams, name: string | undefined, table: boolean): void {
    const selector = selectorFrom(r, query, name);
    const timeoutParam = Number(query.get('timeoutSeconds') ?? '');
    const min = this.opts.minRequestTimeoutSeconds;
    const timeoutSeconds = timeoutParam > 0 ? timeoutParam : min * (1 + Math.random());
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    let done = false;
    const cleanups: Array<() => void> = [];
    const finish = () => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups) cleanup();
      res.end();
    };
    const write = (e: KubeWatchEvent) => {
      if (done) return;
      const ev = table && e.type !== 'ERROR' && e.type !== 'BOOKMARK' ? { type: e.type, object: toTable(r, [e.object], { resourceVersion: (e.object.metadata as Record<string, unknown>)?.resourceVersion }) } : e;
      res.write(JSON.stringify(ev) + '\n');
      if (res.writableLength > MAX_WATCH_BUFFER_BYTES) finish();
    };
    const stop = this.opts.store.watch(
      r,
      namespace,
      {
        selector,
        resourceVersion: query.get('resourceVersion') ?? undefined,
        sendInitialEvents: truthy(query.get('sendInitialEvents')),
        allowBookmarks: truthy(query.get('allowWatchBookmarks')),
      },
      { event: write, end: finish },
    );
    // the store may end the watch while it is being set up (too old a resourceVersion)
    if (done) return stop();
    const timer = setTimeout(finish, timeoutSeconds * 1000);
    cleanups.push(stop, () => clearTimeout(timer));
    res.on('close', finish);
  }
}

