import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import { b64, kvsFrom, num, parseWatchLine, prefixEnd, rangeEndB64, txnBody, txnResult, type Compare, type RangeResult, type TxnOp, type TxnResult, type WatchHandlers } from './etcd-kv';
import { snapshotBytes } from './snapshot-stream';

export interface EtcdTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** One member as etcd's members API reports it; ids are uint64, kept as decimal strings. */
export interface EtcdClusterMember {
  id: string;
  /** empty until the member has started for the first time */
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/** An error from etcd or on the way to it; `unavailable` ones mean "another member may answer". */
export class EtcdError extends Error {
  constructor(
    message: string,
    readonly grpcCode?: number,
    readonly unavailable = false,
  ) {
    super(message);
  }
  get compacted(): boolean {
    return /compacted/.test(this.message);
  }
}

/** No member answered (connection refused, timed out, no leader, no quorum). */
export class EtcdUnavailableError extends EtcdError {
  constructor(message: string, grpcCode?: number) {
    super(message, grpcCode, true);
  }
}

export interface EtcdClientOptions {
  /** keep connections open between requests (a client that lives long and talks often); default false */
  keepAlive?: boolean;
  /** how often endpoints that carry watches are probed; a silent stream cannot tell a dead peer from a quiet key space */
  watchKeepaliveMs?: number;
  /** the largest unary answer read (a guard against a runaway answer) */
  maxResponseBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 3000;
const DEFAULT_WATCH_KEEPALIVE_MS = 15_000;
const DEFAULT_MAX_RESPONSE_BYTES = 4 << 20;
/** 5xx answers that mean this member cannot serve now, so another may */
const UNAVAILABLE_MESSAGE = /leader|quorum|timed out|unavailable|not started/i;

interface RawMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

/**
 * A client of etcd's v3 JSON gateway (etcd 3.4+ serves it under /v3/ on its client port), over
 * mutual TLS or, in tests, plain HTTP: key-value (range, put, txn), watch streams, members,
 * status and snapshots. Every unary call tries the endpoints in turn, starting with the last one
 * that answered, each with a timeout, and fails with EtcdUnavailableError when none answers;
 * etcd's own refusals (a compare that failed is not one; a reconfiguration that would lose
 * quorum is) come back as EtcdError carrying etcd's message.
 */
export class EtcdClient {
  private readonly urls: URL[];
  private current = 0;
  private readonly agents = new Map<string, http.Agent>();
  private readonly keepAlive: boolean;
  private readonly watchKeepaliveMs: number;
  private readonly maxResponseBytes: number;
  /** open watch streams, each with the endpoint it uses and a way to end it with an error */
  private readonly watches = new Map<http.ClientRequest, { endpoint: URL; fail: (e: Error) => void }>();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private keepaliveRunning = false;

  constructor(
    endpoints: readonly string[],
    /** null only for plain-http endpoints (tests) */
    private readonly tls: EtcdTls | null,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
    options: EtcdClientOptions = {},
  ) {
    if (endpoints.length === 0) throw new EtcdUnavailableError('no etcd endpoint to talk to');
    this.urls = endpoints.map((e) => new URL(e));
    this.keepAlive = options.keepAlive ?? false;
    this.watchKeepaliveMs = options.watchKeepaliveMs ?? DEFAULT_WATCH_KEEPALIVE_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  // ---- key-value

  async range(key: string, opts: { rangeEnd?: string; prefix?: boolean; revision?: number; countOnly?: boolean; timeoutMs?: number } = {}): Promise<RangeResult> {
    const rangeEnd = opts.prefix ? prefixEnd(key) : opts.rangeEnd;
    const body: Record<string, unknown> = { key: b64(key) };
    if (rangeEnd) body.range_end = rangeEndB64(rangeEnd);
    if (opts.revision) body.revision = String(opts.revision);
    if (opts.countOnly) body.count_only = true;
    const res = await this.call('/v3/kv/range', body, opts.timeoutMs);
    return { revision: num((res.header as Record<string, unknown>)?.revision), kvs: kvsFrom(res.kvs), count: num(res.count) };
  }

  async put(key: string, value: Buffer | string): Promise<number> {
    const res = await this.call('/v3/kv/put', { key: b64(key), value: b64(value) });
    return num((res.header as Record<string, unknown>)?.revision);
  }

  async txn(compare: Compare[], success: TxnOp[], failure: TxnOp[] = []): Promise<TxnResult> {
    return txnResult(await this.call('/v3/kv/txn', txnBody(compare, success, failure)));
  }

  /** How many keys the cluster holds now (a count-only range over the whole keyspace). */
  async countKeys(): Promise<number> {
    return (await this.range('\0', { rangeEnd: '\0', countOnly: true })).count;
  }

  /** Cheap liveness read (e.g. for /readyz): a count-only range of one key. */
  async healthy(key: string, timeoutMs: number): Promise<boolean> {
    try {
      await this.range(key, { countOnly: true, timeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  // ---- cluster and maintenance

  async memberList(): Promise<EtcdClusterMember[]> {
    const body = await this.call('/v3/cluster/member/list', {});
    return ((body.members as RawMember[] | undefined) ?? []).map(toMember);
  }

  /** Adds a member that will join with initial-cluster-state=existing; returns it and the members after. */
  async memberAdd(peerUrl: string): Promise<{ member: EtcdClusterMember; members: EtcdClusterMember[] }> {
    const body = await this.call('/v3/cluster/member/add', { peerURLs: [peerUrl] });
    if (!body.member) throw new EtcdError('etcd member add answered without the new member');
    return { member: toMember(body.member as RawMember), members: ((body.members as RawMember[] | undefined) ?? []).map(toMember) };
  }

  async memberRemove(id: string): Promise<EtcdClusterMember[]> {
    const body = await this.call('/v3/cluster/member/remove', { ID: id });
    return ((body.members as RawMember[] | undefined) ?? []).map(toMember);
  }

  /** The answering member's view: current revision, leader and database size. */
  async status(): Promise<{ revision: number; leader: string; memberId: string; dbSize: number; version: string }> {
    const body = (await this.call('/v3/maintenance/status', {})) as { header?: { revision?: string; member_id?: string }; leader?: string; dbSize?: string; version?: string };
    return { revision: Number(body.header?.revision ?? 0), leader: String(body.leader ?? ''), memberId: String(body.header?.member_id ?? ''), dbSize: Number(body.dbSize ?? 0), version: body.version ?? '' };
  }

  /**
   * Streams a snapshot of the backend database from the first endpoint that answers (see
   * snapshotBytes): the returned stream is the database without its trailing SHA-256, which is
   * checked at the end (a mismatch or a cut is a stream error).
   */
  async snapshotStream(idleTimeoutMs = 60_000): Promise<{ stream: Readable; endpoint: string }> {
    const failures: string[] = [];
    for (const url of this.urls) {
      const endpoint = url.origin;
      try {
        const res = await this.open(url, '/v3/maintenance/snapshot', idleTimeoutMs);
        return { stream: Readable.from(snapshotBytes(res, endpoint)), endpoint };
      } catch (err) {
        if (!(err instanceof EtcdUnavailableError)) throw err;
        failures.push(`${endpoint}: ${err.message}`);
      }
    }
    throw new EtcdUnavailableError(`no etcd member answered /v3/maintenance/snapshot (${failures.join('; ')})`);
  }

  // ---- watch

  /**
   * Opens a watch stream from startRevision (inclusive). Returns a function that ends it.
   * onEnd is called exactly once.
   */
  watch(key: string, opts: { prefix?: boolean; startRevision?: number; prevKv?: boolean }, handlers: WatchHandlers): () => void {
    const create: Record<string, unknown> = { key: b64(key), prev_kv: opts.prevKv ?? false, progress_notify: false };
    if (opts.prefix) create.range_end = rangeEndB64(prefixEnd(key));
    if (opts.startRevision) create.start_revision = String(opts.startRevision);
    const payload = Buffer.from(JSON.stringify({ create_request: create }));
    const url = this.urls[this.current];
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      this.watches.delete(req);
      req.destroy();
      handlers.onEnd(err);
    };
    const onLine = (line: string) => {
      const message = parseWatchLine(line);
      if (message.kind === 'events') {
        if (message.events.length > 0) handlers.onEvents(message.events, message.revision);
      } else if (message.kind === 'compacted') {
        handlers.onCompacted(message.compactRevision);
        end();
      } else end(new EtcdError(message.error.message, message.error.grpcCode));
    };
    const req = this.request(url, '/v3/watch', { agent: this.agent(url, 'watch'), headers: { 'Content-Length': payload.length } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return end(new EtcdError(`etcd watch: HTTP ${res.statusCode}`));
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) onLine(line);
          if (ended) return;
        }
      });
      res.on('end', () => end(new EtcdUnavailableError('etcd watch stream closed')));
      res.on('error', (e) => end(e));
    });
    req.on('error', (e) => {
      this.rotate();
      end(new EtcdUnavailableError(`etcd watch: ${e.message}`));
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

  /**
   * While watches are open, probes their endpoints every watchKeepaliveMs (as the etcd client's
   * gRPC keepalive does) and ends the watches on an endpoint that stops answering, so that
   * their clients re-watch through a live member.
   */
  private ensureKeepalive(): void {
    if (this.keepaliveTimer || this.watchKeepaliveMs <= 0) return;
    this.keepaliveTimer = setInterval(() => void this.probeWatchEndpoints(), this.watchKeepaliveMs);
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
          await this.post(endpoint, '/v3/kv/range', { key: b64('health'), count_only: true }, Math.min(5000, this.watchKeepaliveMs));
        } catch (e) {
          if (e instanceof EtcdError && !e.unavailable) continue;
          if (this.urls[this.current] === endpoint) this.rotate();
          for (const w of [...this.watches.values()].filter((x) => x.endpoint === endpoint)) w.fail(new EtcdUnavailableError(`etcd member ${endpoint.host} stopped answering`));
        }
      }
    } finally {
      this.keepaliveRunning = false;
    }
  }

  /** Ends every watch and closes kept-alive connections. */
  close(): void {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    for (const w of this.watches.keys()) w.destroy();
    this.watches.clear();
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  // ---- transport

  private rotate(): void {
    if (this.urls.length > 1) this.current = (this.current + 1) % this.urls.length;
  }

  /** One POST; on an unavailable member the next endpoint is tried, each at most once. */
  private async call(path: string, body: unknown, timeoutMs = this.timeoutMs): Promise<Record<string, unknown>> {
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.urls.length; attempt++) {
      const url = this.urls[this.current];
      try {
        return await this.post(url, path, body, timeoutMs);
      } catch (err) {
        if (!(err instanceof EtcdUnavailableError)) throw err;
        failures.push(`${url.origin}: ${err.message}`);
        this.rotate();
      }
    }
    throw new EtcdUnavailableError(`no etcd member answered ${path} (${failures.join('; ')})`);
  }

  /** One agent per protocol and use: unary requests may keep connections, watch streams never share one. */
  private agent(url: URL, use: 'unary' | 'watch'): http.Agent {
    const key = `${url.protocol}${use}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const keepAlive = use === 'unary' && this.keepAlive;
      const options = { keepAlive, ...(keepAlive ? { maxSockets: 16 } : {}) };
      agent = url.protocol === 'https:' ? new https.Agent({ ...options, ...(this.tls ? { ca: this.tls.caPem || undefined, cert: this.tls.certPem || undefined, key: this.tls.keyPem || undefined } : {}) }) : new http.Agent(options);
      this.agents.set(key, agent);
    }
    return agent;
  }

  private request(url: URL, path: string, options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const mod = url.protocol === 'https:' ? https : http;
    return mod.request({ hostname: url.hostname, port: url.port, method: 'POST', path, ...options, headers: { 'Content-Type': 'application/json', ...options.headers } }, onResponse);
  }

  /** POSTs {} and resolves with the streaming answer once it is a 2xx; the socket may idle at most idleTimeoutMs. */
  private open(url: URL, path: string, idleTimeoutMs: number): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.request(url, path, { agent: this.agent(url, 'watch'), headers: { 'Content-Length': 2 }, timeout: idleTimeoutMs }, (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          res.resume();
          reject(new EtcdError(`etcd ${path} failed (${res.statusCode})`));
        } else resolve(res);
      });
      req.on('timeout', () => req.destroy(new EtcdUnavailableError(`${url.origin} went quiet for ${idleTimeoutMs}ms`)));
      req.on('error', (err) => reject(err instanceof EtcdUnavailableError ? err : new EtcdUnavailableError(err.message)));
      req.end('{}');
    });
  }

  private post(url: URL, path: string, payload: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
    const body = Buffer.from(JSON.stringify(payload));
    const maxBytes = this.maxResponseBytes;
    return new Promise((resolve, reject) => {
      const req = this.request(url, path, { agent: this.agent(url, 'unary'), headers: { 'Content-Length': body.length }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) req.destroy(new EtcdError(`etcd answer to ${path} exceeds ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 500;
          let parsed: Record<string, unknown> | null = null;
          try {
            parsed = JSON.parse(text || '{}') as Record<string, unknown>;
          } catch {
            // not JSON
          }
          if (status >= 400) {
            const message = String(parsed?.message ?? parsed?.error ?? text.slice(0, 500));
            // 503 and friends mean this member cannot serve now (no leader, no quorum): try another
            const unavailable = status === 503 || (status >= 500 && UNAVAILABLE_MESSAGE.test(message));
            const code = parsed?.code === undefined ? undefined : num(parsed.code);
            reject(unavailable ? new EtcdUnavailableError(message, code) : new EtcdError(`etcd ${path} failed (${status}): ${message}`, code));
          } else if (!parsed) reject(new EtcdError(`etcd ${path}: HTTP ${status}, unparsable body`));
          else resolve(parsed);
        });
        res.on('error', (err) => reject(new EtcdUnavailableError(err.message)));
      });
      // overall deadline as well as the socket idle timeout
      const deadline = setTimeout(() => req.destroy(new EtcdUnavailableError(`no answer from ${url.origin} within ${timeoutMs}ms`)), timeoutMs);
      req.on('timeout', () => req.destroy(new EtcdUnavailableError(`no answer from ${url.origin} within ${timeoutMs}ms`)));
      req.on('error', (err) => reject(err instanceof EtcdError ? err : new EtcdUnavailableError(err.message)));
      req.on('close', () => clearTimeout(deadline));
      req.end(body);
    });
  }
}

function toMember(raw: RawMember): EtcdClusterMember {
  return { id: String(raw.ID ?? ''), name: raw.name ?? '', peerUrls: raw.peerURLs ?? [], clientUrls: raw.clientURLs ?? [], isLearner: raw.isLearner ?? false };
}

/** The host part of a peer or client URL ("https://10.0.0.5:2380" -> "10.0.0.5"). */
export function urlHost(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}
