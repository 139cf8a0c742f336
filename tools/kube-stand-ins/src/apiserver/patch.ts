/** Patch formats the stand-in accepts on PATCH. */

export class PatchError extends Error {
  constructor(
    message: string,
    /** HTTP status: 422 for a failed json-patch test, 400 for malformed patches */
    readonly status = 400,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch. Strategic merge patches are applied the same way. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // strategic-merge directives ($patch, $retainKeys, ...)
    if (v === null) delete out[k];
    // defineProperty: a "__proto__" key stays a plain data property
    else Object.defineProperty(out, k, { value: applyMergePatch(out[k], v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

type Op = { op: string; path: string; value?: unknown; from?: string };

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: unknown, segs: string[]): unknown {
  let cur = doc;
  for (const s of segs) {
    if (Array.isArray(cur)) cur = cur[Number(s)];
    else if (isObject(cur)) cur = cur[s];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: unknown, segs: string[], path: string): { parent: Record<string, unknown> | unknown[]; last: string } {
  const parent = getAt(doc, segs.slice(0, -1));
  if (!isObject(parent) && !Array.isArray(parent)) throw new PatchError(`doc is missing path: "${path}"`);
  return { parent, last: segs[segs.length - 1] };
}

function arrayIndex(arr: unknown[], last: string, path: string, forInsert: boolean): number {
  if (forInsert && last === '-') return arr.length;
  if (!/^\d+$/.test(last)) throw new PatchError(`invalid array index "${last}" in "${path}"`);
  const i = Number(last);
  if (i > arr.length || (!forInsert && i === arr.length)) throw new PatchError(`index out of range in "${path}"`);
  return i;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const segs = pointer(path);
  if (segs.length === 0) return value;
  const { parent, last } = parentOf(doc, segs, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, true), 0, value);
  else parent[last] = value;
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const segs = pointer(path);
  const { parent, last } = parentOf(doc, segs, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, false), 1);
  else {
    if (!(last in parent)) throw new PatchError(`unable to remove nonexistent key: ${last}: missing value`);
    delete parent[last];
  }
  return doc;
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations');
  let doc: unknown = structuredClone(target);
  for (const raw of ops as Op[]) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new PatchError('invalid json patch operation');
    switch (raw.op) {
      case 'add':
        doc = add(doc, raw.path, structuredClone(raw.value));
        break;
      case 'remove':
        doc = remove(doc, raw.path);
        break;
      case 'replace':
        if (getAt(doc, pointer(raw.path)) === undefined && raw.path !== '') throw new PatchError(`replace operation does not apply: doc is missing key: ${raw.path}`);
        if (raw.path === '') doc = structuredClone(raw.value);
        else {
          doc = remove(doc, raw.path);
          doc = add(doc, raw.path, structuredClone(raw.value));
        }
        break;
      case 'move': {
        const value = getAt(doc, pointer(raw.from ?? ''));
        if (value === undefined) throw new PatchError(`move operation does not apply: doc is missing from path: ${raw.from}`);
        doc = remove(doc, raw.from!);
        doc = add(doc, raw.path, value);
        break;
      }
      case 'copy': {
        const value = getAt(doc, pointer(raw.from ?? ''));
        if (value === undefined) throw new PatchError(`copy operation does not apply: doc is missing from path: ${raw.from}`);
        doc = add(doc, raw.path, structuredClone(value));
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, pointer(raw.path))) !== JSON.stringify(raw.value)) throw new PatchError(`testing value ${raw.path} failed`, 422);
        break;
      default:
        throw new PatchError(`unexpected kind: ${raw.op}`);
    }
  }
  return doc;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (ct) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      return 'apply';
    default:
      return undefined;
  }
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  return type === 'json' ? applyJsonPatch(target, patch) : applyMergePatch(target, patch);
}
