import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { request as httpsRequest } from 'node:https';

export interface EtcdTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** One member as etcd's members API reports it; ids are uint64, kept as decimal strings. */
export interface EtcdMember {
  id: string;
  /** empty until the member has started for the first time */
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export class EtcdUnavailableError extends Error {}

const DEFAULT_TIMEOUT_MS = 3000;
const MAX_RESPONSE_BYTES = 4 << 20;

interface RawMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

/**
 * A small client of etcd's v3 JSON gateway (etcd 3.4+) over mutual TLS. Every call tries the
 * endpoints in order, each with a timeout, and fails with EtcdUnavailableError when none
 * answers; etcd's own refusals (e.g. a reconfiguration that would lose quorum) come back as
 * plain errors carrying etcd's message.
 */
export class EtcdClient {
  constructor(
    private readonly endpoints: readonly string[],
    /** null only for plain-http endpoints (tests) */
    private readonly tls: EtcdTls | null,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    if (endpoints.length === 0) throw new EtcdUnavailableError('no etcd endpoint to talk to');
  }

  async memberList(): Promise<EtcdMember[]> {
    const body = await this.call<{ members?: RawMember[] }>('/v3/cluster/member/list', {});
    return (body.members ?? []).map(toMember);
  }

  /** Adds a member that will join with initial-cluster-state=existing; returns it and the members after. */
  async memberAdd(peerUrl: string): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    const body = await this.call<{ member?: RawMember; members?: RawMember[] }>('/v3/cluster/member/add', { peerURLs: [peerUrl] });
    if (!body.member) throw new Error('etcd member add answered without the new member');
    return { member: toMember(body.member), members: (body.members ?? []).map(toMember) };
  }

  async memberRemove(id: string): Promise<EtcdMember[]> {
    const body = await this.call<{ members?: RawMember[] }>('/v3/cluster/member/remove', { ID: id });
    return (body.members ?? []).map(toMember);
  }

  /** The answering member's view: current revision, leader and database size. */
  async status(): Promise<{ revision: number; leader: string; memberId: string; dbSize: number; version: string }> {
    const body = await this.call<{ header?: { revision?: string; member_id?: string }; leader?: string; dbSize?: string; version?: string }>('/v3/maintenance/status', {});
    return { revision: Number(body.header?.revision ?? 0), leader: String(body.leader ?? ''), memberId: String(body.header?.member_id ?? ''), dbSize: Number(body.dbSize ?? 0), version: body.version ?? '' };
  }

  /** How many keys the cluster holds now (a count-only range over the whole keyspace). */
  async countKeys(): Promise<number> {
    const body = await this.call<{ count?: string }>('/v3/kv/range', { key: 'AA==', range_end: 'AA==', count_only: true });
    return Number(body.count ?? 0);
  }

  /**
   * Streams a snapshot of the backend database from the first endpoint that answers: etcd's
   * gateway sends JSON lines with base64 blobs, the bolt database followed by its SHA-256 (32
   * bytes). The returned stream is the database without the checksum, which is checked at its
   * end (a mismatch or a cut is a stream error); memory stays at a few blobs whatever the size.
   */
  async snapshotStream(idleTimeoutMs = 60_000): Promise<{ stream: Readable; endpoint: string }> {
    const failures: string[] = [];
    for (const endpoint of this.endpoints) {
      try {
        const res = await this.open(endpoint, '/v3/maintenance/snapshot', idleTimeoutMs);
        return { stream: Readable.from(snapshotBytes(res, endpoint)), endpoint };
      } catch (err) {
        if (!(err instanceof EtcdUnavailableError)) throw err;
        failures.push(`${endpoint}: ${(err as Error).message}`);
      }
    }
    throw new EtcdUnavailableError(`no etcd member answered /v3/maintenance/snapshot (${failures.join('; ')})`);
  }

  /** POSTs {} and resolves with the streaming answer once it is a 2xx; the socket may idle at most idleTimeoutMs. */
  private open(endpoint: string, path: string, idleTimeoutMs: number): Promise<IncomingMessage> {
    const url = new URL(path, endpoint);
    const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const tls = url.protocol === 'http:' || !this.tls ? {} : { ca: this.tls.caPem, cert: this.tls.certPem, key: this.tls.keyPem };
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', ...tls, headers: { 'content-type': 'application/json', 'content-length': 2 }, timeout: idleTimeoutMs }, (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          res.resume();
          reject(new Error(`etcd ${path} failed (${res.statusCode})`));
        } else resolve(res);
      });
      req.on('timeout', () => req.destroy(new EtcdUnavailableError(`${endpoint} went quiet for ${idleTimeoutMs}ms`)));
      req.on('error', (err) => reject(err instanceof EtcdUnavailableError ? err : new EtcdUnavailableError(err.message)));
      req.end('{}');
    });
  }

  private async call<T>(path: string, payload: unknown): Promise<T> {
    const failures: string[] = [];
    for (const endpoint of this.endpoints) {
      try {
        return JSON.parse((await this.post(endpoint, path, payload, this.timeoutMs, MAX_RESPONSE_BYTES)).toString('utf8')) as T;
      } catch (err) {
        if (!(err instanceof EtcdUnavailableError)) throw err;
        failures.push(`${endpoint}: ${(err as Error).message}`);
      }
    }
    throw new EtcdUnavailableError(`no etcd member answered ${path} (${failures.join('; ')})`);
  }

  private post(endpoint: string, path: string, payload: unknown, timeoutMs: number, maxBytes: number): Promise<Buffer> {
    const url = new URL(path, endpoint);
    const body = Buffer.from(JSON.stringify(payload));
    const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const tls = url.protocol === 'http:' || !this.tls ? {} : { ca: this.tls.caPem, cert: this.tls.certPem, key: this.tls.keyPem };
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          ...tls,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) req.destroy(new Error(`etcd answer to ${path} exceeds ${maxBytes} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            const data = Buffer.concat(chunks);
            if ((res.statusCode ?? 500) >= 400) {
              let message = data.toString('utf8').slice(0, 500);
              try {
                const parsed = JSON.parse(message) as { error?: string; message?: string };
                message = parsed.message ?? parsed.error ?? message;
              } catch {
                // not JSON
              }
              // 503 and friends mean this member cannot serve now (no leader, no quorum): try another
              const err = (res.statusCode ?? 500) >= 500 && /leader|quorum|timed out|unavailable|not started/i.test(message) ? new EtcdUnavailableError(message) : new Error(`etcd ${path} failed (${res.statusCode}): ${message}`);
              reject(err);
            } else resolve(data);
          });
          res.on('error', (err) => reject(new EtcdUnavailableError(err.message)));
        },
      );
      // overall deadline as well as the socket idle timeout
      const deadline = setTimeout(() => req.destroy(new EtcdUnavailableError(`no answer from ${endpoint} within ${timeoutMs}ms`)), timeoutMs);
      req.on('timeout', () => req.destroy(new EtcdUnavailableError(`no answer from ${endpoint} within ${timeoutMs}ms`)));
      req.on('error', (err) => reject(err instanceof EtcdUnavailableError ? err : new EtcdUnavailableError(err.message)));
      req.on('close', () => clearTimeout(deadline));
      req.end(body);
    });
  }
}

function toMember(raw: RawMember): EtcdMember {
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

/** The database bytes of a gateway snapshot answer (JSON lines), its trailing SHA-256 held back and checked. */
async function* snapshotBytes(res: AsyncIterable<Buffer>, endpoint: string): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let pending = '';
  let tail: Buffer = Buffer.alloc(0);
  let total = 0;
  function* take(blob: Buffer): Generator<Buffer> {
    const all = tail.length ? Buffer.concat([tail, blob]) : blob;
    total += blob.length;
    if (all.length <= 32) {
      tail = all;
      return;
    }
    const out = all.subarray(0, all.length - 32);
    tail = Buffer.from(all.subarray(all.length - 32));
    hash.update(out);
    yield out;
  }
  const parse = (line: string): Buffer | null => {
    if (!line.trim()) return null;
    const message = JSON.parse(line) as { result?: { blob?: string }; error?: { message?: string } };
    if (message.error) throw new Error(`etcd snapshot failed: ${message.error.message ?? JSON.stringify(message.error)}`);
    return message.result?.blob ? Buffer.from(message.result.blob, 'base64') : null;
  };
  for await (const chunk of res) {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const blob = parse(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      if (blob) yield* take(blob);
      newline = pending.indexOf('\n');
    }
  }
  const last = parse(pending);
  if (last) yield* take(last);
  if (total < 32 + 4096) throw new Error(`etcd snapshot from ${endpoint} is too short (${total} bytes)`);
  if (!hash.digest().equals(tail)) throw new Error(`etcd snapshot from ${endpoint} does not match its checksum`);
}
