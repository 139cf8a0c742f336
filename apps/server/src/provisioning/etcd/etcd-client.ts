import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
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

  /**
   * Streams a snapshot of the backend database from the first endpoint that answers: etcd
   * sends the bolt database followed by its SHA-256 (32 bytes), which is checked here.
   * Returns the database without the trailing checksum.
   */
  async snapshot(timeoutMs = 120_000): Promise<{ data: Buffer; endpoint: string }> {
    let lastError: Error | null = null;
    for (const endpoint of this.endpoints) {
      try {
        const raw = await this.post(endpoint, '/v3/maintenance/snapshot', {}, timeoutMs, 1 << 30);
        const chunks: Buffer[] = [];
        for (const line of raw.toString('utf8').split('\n')) {
          if (!line.trim()) continue;
          const message = JSON.parse(line) as { result?: { blob?: string }; error?: { message?: string } };
          if (message.error) throw new Error(`etcd snapshot failed: ${message.error.message ?? JSON.stringify(message.error)}`);
          if (message.result?.blob) chunks.push(Buffer.from(message.result.blob, 'base64'));
        }
        const all = Buffer.concat(chunks);
        if (all.length < 32 + 4096) throw new Error(`etcd snapshot from ${endpoint} is too short (${all.length} bytes)`);
        const db = all.subarray(0, all.length - 32);
        if (!createHash('sha256').update(db).digest().equals(all.subarray(all.length - 32))) {
          throw new Error(`etcd snapshot from ${endpoint} does not match its checksum`);
        }
        return { data: db, endpoint };
      } catch (err) {
        lastError = err as Error;
        if (!(err instanceof EtcdUnavailableError)) throw err;
      }
    }
    throw lastError ?? new EtcdUnavailableError('no etcd endpoint answered');
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
