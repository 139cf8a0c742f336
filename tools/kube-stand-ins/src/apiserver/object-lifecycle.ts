import { ApiError, invalid } from './api-status';
import { apiVersionOf, ResourceDef } from './resources';

/** Pure create/update rules: what the apiserver's registry strategies do before storing. */

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
};

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_SUFFIX_ALPHABET[Math.floor(random() * NAME_SUFFIX_ALPHABET.length)];
  return s;
}

/** Secrets: stringData is write-only and merged into data (base64), as upstream does. */
function foldStringData(obj: KubeObject): void {
  const stringData = obj.stringData as Record<string, string> | undefined;
  if (!stringData) return;
  const data = { ...((obj.data as Record<string, string>) ?? {}) };
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
  obj.data = data;
  delete obj.stringData;
}

/** Resources whose names must be DNS-1123 labels rather than subdomains. */
const LABEL_NAMED = new Set(['namespaces', 'services']);

/** Resources named like path segments (upstream ValidatePathSegmentName): "system:node" is fine. */
const PATH_SEGMENT_NAMED = new Set(['clusterroles', 'clusterrolebindings']);

export function validateName(r: ResourceDef, name: string): void {
  if (PATH_SEGMENT_NAMED.has(r.name)) {
    if (name === '' || name === '.' || name === '..' || /[/%]/.test(name)) {
      throw invalid(r, name, [{ field: 'metadata.name', message: `Invalid value: "${name}": may not be '.' or '..' and may not contain '/' or '%'` }]);
    }
    return;
  }
  const label = LABEL_NAMED.has(r.name);
  const ok = label ? DNS1123_LABEL.test(name) && name.length <= 63 : DNS1123_SUBDOMAIN.test(name) && name.length <= 253;
  if (!ok) {
    const what = label ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character" : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    throw invalid(r, name, [{ field: 'metadata.name', message: `Invalid value: "${name}": ${what}` }]);
  }
}

export interface CreateContext {
  namespace: string | undefined;
  uid: string;
  now: Date;
  random?: () => number;
}

/** Fills in server-set fields of a new object and validates it. Returns a new object. */
export function prepareForCreate(r: ResourceDef, input: KubeObject, ctx: CreateContext): KubeObject {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new ApiError('BadRequest', 'the body of the request was in an unknown format');
  const obj = structuredClone(input);
  const meta: ObjectMeta = { ...(obj.metadata ?? {}) };
  if (obj.kind && obj.kind !== r.kind) throw new ApiError('BadRequest', `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(r)})`);
  if (r.namespaced) {
    if (meta.namespace && ctx.namespace && meta.namespace !== ctx.namespace) {
      throw new ApiError('BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = ctx.namespace ?? meta.namespace;
    if (!meta.namespace) throw new ApiError('BadRequest', 'the server could not find the requested resource');
  } else {
    delete meta.namespace;
  }
  if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix(ctx.random);
  if (!meta.name) throw invalid(r, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  validateName(r, meta.name);
  meta.uid = ctx.uid;
  meta.creationTimestamp = ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  if (r.generation) meta.generation = 1;
  else delete meta.generation;
  obj.metadata = meta;
  obj.apiVersion = apiVersionOf(r);
  obj.kind = r.kind;
  switch (r.name) {
    case 'namespaces':
      meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name };
      obj.spec = { finalizers: ['kubernetes'], ...((obj.spec as object) ?? {}) };
      obj.status = { phase: 'Active' };
      break;
    case 'secrets':
      if (!obj.type) obj.type = 'Opaque';
      foldStringData(obj);
      break;
    case 'pods':
      obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'services':
    case 'ingresses':
      obj.status = { loadBalancer: {} };
      break;
  }
  return obj;
}

/**
 * Merges an update over the stored object: identity fields are kept, status changes are
 * dropped on the main endpoint of resources with a status subresource (and spec changes on
 * the status subresource), generation follows spec changes.
 */
export function prepareForUpdate(r: ResourceDef, old: KubeObject, input: KubeObject, subresource: 'status' | undefined): KubeObject {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new ApiError('BadRequest', 'the body of the request was in an unknown format');
  const oldMeta = old.metadata ?? {};
  const next = structuredClone(input);
  const meta: ObjectMeta = { ...(next.metadata ?? {}) };
  const name = oldMeta.name!;
  if (meta.name && meta.name !== name) {
    throw new ApiError('BadRequest', `the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  }
  if (r.namespaced && meta.namespace && meta.namespace !== oldMeta.namespace) {
    throw new ApiError('BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  meta.name = name;
  if (r.namespaced) meta.namespace = oldMeta.namespace;
  meta.uid = oldMeta.uid;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
  else delete meta.deletionTimestamp;
  delete meta.resourceVersion;
  next.apiVersion = apiVersionOf(r);
  next.kind = r.kind;
  if (r.hasStatus) {
    if (subresource === 'status') next.spec = old.spec;
    else if (old.status === undefined) delete next.status;
    else next.status = old.status;
  }
  if (next.spec === undefined) delete next.spec;
  if (r.generation) {
    const oldGen = Number(oldMeta.generation ?? 1);
    meta.generation = JSON.stringify(old.spec ?? null) === JSON.stringify(next.spec ?? null) ? oldGen : oldGen + 1;
  } else delete meta.generation;
  if (r.name === 'namespaces') meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': name };
  if (r.name === 'secrets') foldStringData(next);
  next.metadata = meta;
  return next;
}
