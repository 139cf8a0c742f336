/**
 * etcd's v3 key-value messages as the JSON gateway carries them: keys and values base64-encoded,
 * int64s as strings. These are the decoded shapes and the encoders the client uses.
 */

export interface KeyValue {
  key: string;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
}

export interface RangeResult {
  revision: number;
  kvs: KeyValue[];
  count: number;
}

export type Compare =
  | { key: string; target: 'MOD'; result: 'EQUAL' | 'LESS' | 'GREATER' | 'NOT_EQUAL'; modRevision: number }
  | { key: string; target: 'CREATE'; result: 'EQUAL' | 'LESS' | 'GREATER' | 'NOT_EQUAL'; createRevision: number };

export type TxnOp =
  | { put: { key: string; value: Buffer | string } }
  | { deleteRange: { key: string; rangeEnd?: string; prevKv?: boolean } }
  | { range: { key: string; rangeEnd?: string } };

export interface TxnResult {
  succeeded: boolean;
  revision: number;
  /** per op: kvs of range ops, prevKvs of deleteRange ops */
  responses: { kvs: KeyValue[]; deleted: number; prevKvs: KeyValue[] }[];
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
  prevKv?: KeyValue;
}

export interface WatchHandlers {
  onEvents(events: WatchEvent[], revision: number): void;
  /** the start revision was compacted away; the watch is over */
  onCompacted(compactRevision: number): void;
  /** the stream ended (etcd went away, or close() was called) */
  onEnd(error?: Error): void;
}

export const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
export const num = (v: unknown): number => (v === undefined || v === null ? 0 : Number(v));

/** The key after every key with this prefix (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 0xff) {
      const out = Buffer.from(bytes.subarray(0, i + 1));
      out[i] += 1;
      return out.toString('latin1');
    }
  }
  return '\0';
}

/** A range end as base64: prefixEnd may produce non-UTF-8 bytes, carried as latin1 strings. */
export function rangeEndB64(key: string): string {
  const highLatin1 = [...key].some((c) => c.charCodeAt(0) >= 0x80) && [...key].every((c) => c.charCodeAt(0) <= 0xff);
  return highLatin1 ? Buffer.from(key, 'latin1').toString('base64') : b64(key);
}

export function kvFrom(raw: Record<string, unknown> | undefined): KeyValue | undefined {
  if (!raw) return undefined;
  return {
    key: Buffer.from(String(raw.key ?? ''), 'base64').toString('utf8'),
    value: Buffer.from(String(raw.value ?? ''), 'base64'),
    createRevision: num(raw.create_revision),
    modRevision: num(raw.mod_revision),
    version: num(raw.version),
  };
}

export const kvsFrom = (raw: unknown): KeyValue[] => ((raw as Record<string, unknown>[] | undefined) ?? []).map((k) => kvFrom(k)!);

/** A transaction's compares and operations in the gateway's JSON. */
export function txnBody(compare: Compare[], success: TxnOp[], failure: TxnOp[]): Record<string, unknown> {
  const cmp = compare.map((c) =>
    c.target === 'MOD'
      ? { key: b64(c.key), target: 'MOD', result: c.result, mod_revision: String(c.modRevision) }
      : { key: b64(c.key), target: 'CREATE', result: c.result, create_revision: String(c.createRevision) },
  );
  const op = (o: TxnOp) => {
    if ('put' in o) return { request_put: { key: b64(o.put.key), value: b64(o.put.value) } };
    if ('deleteRange' in o) {
      const d: Record<string, unknown> = { key: b64(o.deleteRange.key), prev_kv: o.deleteRange.prevKv ?? false };
      if (o.deleteRange.rangeEnd) d.range_end = rangeEndB64(o.deleteRange.rangeEnd);
      return { request_delete_range: d };
    }
    const r: Record<string, unknown> = { key: b64(o.range.key) };
    if (o.range.rangeEnd) r.range_end = rangeEndB64(o.range.rangeEnd);
    return { request_range: r };
  };
  return { compare: cmp, success: success.map(op), failure: failure.map(op) };
}

/** A transaction's answer, decoded. */
export function txnResult(res: Record<string, unknown>): TxnResult {
  const responses = ((res.responses as Record<string, Record<string, unknown>>[]) ?? []).map((r) => ({
    kvs: kvsFrom(r.response_range?.kvs),
    deleted: num(r.response_delete_range?.deleted),
    prevKvs: kvsFrom(r.response_delete_range?.prev_kvs),
  }));
  return { succeeded: res.succeeded === true, revision: num((res.header as Record<string, unknown>)?.revision), responses };
}

/** One line of a watch stream: events, a compaction, a cancel or an error. */
export type WatchMessage =
  | { kind: 'events'; events: WatchEvent[]; revision: number }
  | { kind: 'compacted'; compactRevision: number }
  | { kind: 'ended'; error: { message: string; grpcCode?: number } };

export function parseWatchLine(line: string): WatchMessage {
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(line);
  } catch {
    return { kind: 'ended', error: { message: `etcd watch: bad message ${line.slice(0, 200)}` } };
  }
  if (msg.error) {
    const err = msg.error as Record<string, unknown>;
    return { kind: 'ended', error: { message: `etcd watch: ${String(err.message ?? JSON.stringify(err))}`, grpcCode: num(err.grpc_code ?? err.code) } };
  }
  const result = (msg.result ?? {}) as Record<string, unknown>;
  const compactRevision = num(result.compact_revision);
  if (compactRevision > 0) return { kind: 'compacted', compactRevision };
  if (result.canceled) return { kind: 'ended', error: { message: `etcd watch canceled: ${String(result.cancel_reason ?? '')}` } };
  const events = ((result.events as Record<string, unknown>[]) ?? []).map((e) => ({
    type: e.type === 'DELETE' ? ('DELETE' as const) : ('PUT' as const),
    kv: kvFrom(e.kv as Record<string, unknown>)!,
    prevKv: kvFrom(e.prev_kv as Record<string, unknown>),
  }));
  return { kind: 'events', events, revision: num((result.header as Record<string, unknown>)?.revision) };
}
