import * as http from 'node:http';
import * as https from 'node:https';

/**
 * etcd v3 client over the JSON gRPC gateway that etcd 3.4 serves under /v3/ on its client
 * port: POST /v3/kv/range, /v3/kv/put, /v3/kv/deleterange, /v3/kv/txn and the /v3/watch
 * stream. Keys and values travel base64-encoded, int64s as strings.
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

export interface EtcdClientOptions {
  endpoints: string[];
  ca?: string;
  cert?: string;
  key?: string;
  requestTimeoutMs?: number;
}

export class EtcdError extends Error {
  constructor(
    message: string,
    readonly grpcCode: number | undefined,
    readonly unavailable: boolean,
  ) {
    super(message);
  }
  get compacted(): boolean {
    return /compacted/.test(this.message);
  }
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const num = (v: unknown) => (v === undefined || v === null ? 0 : Number(v));

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

function toRaw(key: string): string {
  // prefixEnd may produce non-UTF-8 bytes, carried as latin1 strings
  const highLatin1 = [...key].some((c) => c.charCodeAt(0) >= 0x80) && [...key].every((c) => c.charCodeAt(0) <= 0xff);
  return highLatin1 ? Buffer.from(key, 'latin1').toString('base64') : b64(key);
}

function kvFrom(raw: Record<string, unknown> | undefined): KeyValue | undefined {
  if (!raw) return undefined;
  return {
    key: Buffer.from(String(raw.key ?? ''), 'base64').toString('utf8'),
    value: Buffer.from(String(raw.value ?? ''), 'base64'),
    createRevision: num(raw.create_revision),
    modRevision: num(raw.mod_revision),
    version: num(raw.version),
  };
}

export class EtcdGatewayClient {
  private readonly endpoints: URL[];
  private current = 0;
  private readonly unaryAgent: http.Agent;
  private readonly watchAgent: http.Agent;
  private readonly timeoutMs: number;
  /** open watch streams, each with the endpoint it uses and a way to end it with an error */
  private readonly watches = new Map<http.ClientRequest, { endpoint: URL; fail: (e: Error) => void }>();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private keepaliveRunning = false;

  constructor(
    private readonly opts: EtcdClientOptions,
    /** how often endpoints that carry watches are probed; a silent stream cannot tell a dead peer from a quiet key space */
    private readonly keepaliveMs = 15_000,
  ) {
    if (opts.endpoints.length === 0) throw new Error('no etcd endpoints');
    this.endpoints = opts.endpoints.map((e) => new URL(e));
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key };
    const secure = this.endpoints[0].protocol === 'https:';
    this.unaryAgent = secure ? new https.Agent({ keepAlive: true, maxSockets: 16, ...tls }) : new http.Agent({ keepAlive: true, maxSockets: 16 });
    this.watchAgent = secure ? new https.Agent({ keepAlive: false, ...tls }) : new http.Agent({ keepAlive: false });
  }

  async range(key: string, opts: { rangeEnd?: string; prefix?: boolean; revision?: number; countOnly?: boolean; timeoutMs?: number } = {}): Promise<RangeResult> {
    const rangeEnd = opts.prefix ? prefixEnd(key) : opts.rangeEnd;
    const body: Record<string, unknown> = { key: b64(key) };
    if (rangeEnd) body.range_end = toRaw(rangeEnd);
    if (opts.revision) body.revision = String(opts.revision);
    if (opts.countOnly) body.count_only = true;
    const res = await this.call('/v3/kv/range', body, opts.timeoutMs);
    return {
      revision: num((res.header as Record<string, unknown>)?.revision),
      kvs: ((res.kvs as Record<string, unknown>[]) ?? []).map((k) => kvFrom(k)!),
      count: num(res.count),
    };
  }

  async put(key: string, value: Buffer | string): Promise<number> {
    const res = await this.call('/v3/kv/put', { key: b64(key), value: b64(value) });
    return num((res.header as Record<string, unknown>)?.revision);
  }

  async txn(compare: Compare[], success: TxnOp[], failure: TxnOp[] = []): Promise<TxnResult> {
    const cmp = compare.map((c) =>
      c.target === 'MOD'
        ? { key: b64(c.key), target: 'MOD', result: c.result, mod_revision: String(c.modRevision) }
        : { key: b64(c.key), target: 'CREATE', result: c.result, create_revision: String(c.createRevision) },
    );
    const op = (o: TxnOp) => {
      if ('put' in o) return { request_put: { key: b64(o.put.key), value: b64(o.put.value) } };
      if ('deleteRange' in o) {
        const d: Record<string, unknown> = { key: b64(o.deleteRange.key), prev_kv: o.deleteRange.prevKv ?? false };
        if (o.deleteRange.rangeEnd) d.range_end = toRaw(o.deleteRange.rangeEnd);
        return { request_delete_range: d };
      }
      const r: Record<string, unknown> = { key: b64(o.range.key) };
      if (o.range.rangeEnd) r.range_end = toRaw(o.range.rangeEnd);
      return { request_range: r };
    };
    const res = await this.call('/v3/kv/txn', { compare: cmp, success: success.map(op), failure: failure.map(op) });
    const responses = ((res.responses as Record<string, Record<string, unknown>>[]) ?? []).map((r) => {
      const range = r.response_range;
      const del = r.response_delete_range;
      return {
        kvs: ((range?.kvs as Record<string, unknown>[]) ?? []).map((k) => kvFrom(k)!),
        deleted: num(del?.deleted),
        prevKvs: ((del?.prev_kvs as Record<string, unknown>[]) ?? []).map((k) => kvFrom(k)!),
      };
    });
    return { succeeded: res.succeeded === true, revision: num((res.header as Record<string, unknown>)?.revision), responses };
  }

  /**
   * Opens a watch stream from startRevision (inclusive). Returns a function that ends it.
   * onEnd is called exactly once.
   */
  watch(key: string, opts: { prefix?: boolean; startRevision?: number; prevKv?: boolean }, handlers: WatchHandlers): () => void {
    const create: Record<string, unknown> = { key: b64(key), prev_kv: opts.prevKv ?? false, progress_notify: false };
    if (opts.prefix) create.range_end = toRaw(prefixEnd(key));
    if (opts.startRevision) create.start_revision = String(opts.startRevision);
    const payload = Buffer.from(JSON.stringify({ create_request: create }));
    const url = this.endpoints[this.current];
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      this.watches.delete(req);
      req.destroy();
      handlers.onEnd(err);
    };
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      { agent: this.watchAgent, hostname: url.hostname, port: url.port, method: 'POST', path: '/v3/watch', headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return end(new EtcdError(`etcd watch: HTTP ${res.statusCode}`, undefined, false));
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (line) this.handleWatchLine(line, handlers, end);
            if (ended) return;
          }
        });
        res.on('end', () => end(new EtcdError('etcd watch stream closed', undefined, true)));
        res.on('error', (e) => end(e));
      },
    );
    req.on('error', (e) => {
      this.rotate();
      end(new EtcdError(`etcd watch: ${e.message}`, undefined, true));
    });
    req.setSocketKeepAlive?.(true, 10_000);
    this.watches.set(req, { endpoint: url, fail: (e) => end(e) });
    this.ensureKeepalive();
    req.end(payload);
    return () => {
      if (ended) return;
      ended = true;
      this.watches.delete(req);
      req.destroy();
      handlers.onEnd();
    };
  }

  private handleWatchLine(line: string, handlers: WatchHandlers, end: (err?: Error) => void): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line);
    } catch {
      return end(new EtcdError(`etcd watch: bad message ${line.slice(0, 200)}`, undefined, false));
    }
    if (msg.error) {
      const err = msg.error as Record<string, unknown>;
      return end(new EtcdError(`etcd watch: ${String(err.message ?? JSON.stringify(err))}`, num(err.grpc_code ?? err.code), false));
    }
    const result = (msg.result ?? {}) as Record<string, unknown>;
    const compactRevision = num(result.compact_revision);
    if (compactRevision > 0) {
      handlers.onCompacted(compactRevision);
      return end();
    }
    if (result.canceled) return end(new EtcdError(`etcd watch canceled: ${String(result.cancel_reason ?? '')}`, undefined, false));
    const events = ((result.events as Record<string, unknown>[]) ?? []).map((e) => ({
      type: e.type === 'DELETE' ? ('DELETE' as const) : ('PUT' as const),
      kv: kvFrom(e.kv as Record<string, unknown>)!,
      prevKv: kvFrom(e.prev_kv as Record<string, unknown>),
    }));
    if (events.length > 0) handlers.onEvents(events, num((result.header as Record<string, unknown>)?.revision));
  }

  /** Cheap liveness read used by /readyz (etcd's own health key). */
  async healthy(key: string, timeoutMs: number): Promise<boolean> {
    try {
      await this.range(key, { countOnly: true, timeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * While watches are open, probes their endpoints every keepaliveMs (as the etcd client's
   * gRPC keepalive does) and ends the watches on an endpoint that stops answering, so
   * that their clients re-watch through a live member.
   */
  private ensureKeepalive(): void {
    if (this.keepaliveTimer || this.keepaliveMs <= 0) return;
    this.keepaliveTimer = setInterval(() => void this.probeWatchEndpoints(), this.keepaliveMs);
    this.keepaliveTimer.unref();
  }

  private async probeWatchEndpoints(): Promise<void> {
    if (this.watches.size === 0) {
      clearInterval(this.keepaliveTimer);
      this.keepaliveTimer = undefined;
      return;
    }
    if (this.keepaliveRunning) return;
    this.keepaliveRunning = true;
    try {
      const endpoints = new Set([...this.watches.values()].map((w) => w.endpoint));
      for (const endpoint of endpoints) {
        try {
          await this.post(endpoint, '/v3/kv/range', { key: b64('health'), count_only: true }, Math.min(5000, this.keepaliveMs));
        } catch (e) {
          if (e instanceof EtcdError && !e.unavailable) continue;
          if (this.endpoints[this.current] === endpoint) this.rotate();
          for (const w of [...this.watches.values()].filter((x) => x.endpoint === endpoint)) w.fail(new EtcdError(`etcd member ${endpoint.host} stopped answering`, undefined, true));
        }
      }
    } finally {
      this.keepaliveRunning = false;
    }
  }

  close(): void {
    clearInterval(this.keepaliveTimer);
    for (const w of this.watches.keys()) w.destroy();
    this.watches.clear();
    this.unaryAgent.destroy();
    this.watchAgent.destroy();
  }

  private rotate(): void {
    if (this.endpoints.length > 1) this.current = (this.current + 1) % this.endpoints.length;
  }

  /** One POST; on a connection failure the next endpoint is tried, each at most once. */
  private async call(path: string, body: unknown, timeoutMs = this.timeoutMs): Promise<Record<string, unknown>> {
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      try {
        return await this.post(this.endpoints[this.current], path, body, timeoutMs);
      } catch (e) {
        lastError = e as Error;
        if (!(e instanceof EtcdError) || !e.unavailable) throw e;
        this.rotate();
      }
    }
    throw lastError!;
  }

  private post(url: URL, path: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
    const payload = Buffer.from(JSON.stringify(body));
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        {
          agent: this.unaryAgent,
          hostname: url.hostname,
          port: url.port,
          method: 'POST',
          path,
          headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new EtcdError(`etcd ${path}: ${e.message}`, undefined, true)));
          res.on('end', () => {
            let parsed: Record<string, unknown> = {};
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
            } catch {
              return reject(new EtcdError(`etcd ${path}: HTTP ${res.statusCode}, unparsable body`, undefined, false));
            }
            if (res.statusCode !== 200) {
              const message = String(parsed.message ?? parsed.error ?? `HTTP ${res.statusCode}`);
              return reject(new EtcdError(`etcd ${path}: ${message}`, num(parsed.code), res.statusCode === 503));
            }
            resolve(parsed);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', (e) => reject(new EtcdError(`etcd ${path}: ${e.message}`, undefined, true)));
      req.end(payload);
    });
  }
}
