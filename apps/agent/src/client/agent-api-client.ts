import type { DesiredState, RegisterRequest, RegisterResponse, StatusReport } from '@corral/contracts';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** The server refused our credentials (401). */
export class UnauthorizedError extends Error {}

/** Any other non-success answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 15_000;
/** a download (e.g. an etcd snapshot) may be large: the whole transfer must finish within this */
const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;

/** The calls of agent protocol v1. Network failures surface as thrown errors; callers retry. */
export class AgentApiClient {
  private readonly base: URL;
  private credential: string | null = null;

  constructor(server: URL) {
    this.base = new URL(server.href.endsWith('/') ? server.href : `${server.href}/`);
  }

  setCredential(credential: string): void {
    this.credential = credential;
  }

  async register(request: RegisterRequest, signal?: AbortSignal): Promise<RegisterResponse> {
    const res = await this.call('POST', 'v1/agent/register', { body: request, signal, auth: false });
    return (await res.json()) as RegisterResponse;
  }

  /** The desired state, or null when the server says nothing changed (204/304). */
  async getDesired(after: number, waitSeconds: number, signal?: AbortSignal): Promise<DesiredState | null> {
    const res = await this.call('GET', `v1/agent/desired?after=${after}&wait=${waitSeconds}`, {
      signal,
      timeoutMs: waitSeconds * 1000 + REQUEST_TIMEOUT_MS,
    });
    if (res.status === 204 || res.status === 304) {
      await res.body?.cancel();
      return null;
    }
    return (await res.json()) as DesiredState;
  }

  async putStatus(report: StatusReport, signal?: AbortSignal): Promise<void> {
    const res = await this.call('PUT', 'v1/agent/status', { body: report, signal });
    await res.body?.cancel();
  }

  /**
   * A file the server serves to this host (e.g. /v1/agent/etcd-snapshots/<id>/data), fetched
   * with the host credential (only server paths: the credential never goes elsewhere) and
   * streamed into `file` (created with mode 0600, replaced if present), hashed on the way:
   * snapshots and image archives may be far larger than memory. Resolves with the SHA-256 (hex)
   * and size of what was written; the caller checks it and removes the file.
   */
  async downloadToFile(path: string, file: string, signal?: AbortSignal): Promise<{ sha256: string; bytes: number }> {
    const res = await this.fetchFile(path, signal);
    if (!res.body) throw new Error(`download ${path.split('?')[0]}: the answer has no body`);
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, createWriteStream(file, { mode: 0o600 }), { signal });
    return { sha256: hash.digest('hex'), bytes };
  }

  private async fetchFile(path: string, signal?: AbortSignal): Promise<Response> {
    if (!path.startsWith('/') || path.startsWith('//')) throw new Error(`download ${JSON.stringify(path)}: not a server path`);
    const relative = path.slice(1);
    if (new URL(relative, this.base).origin !== this.base.origin) throw new Error(`download ${JSON.stringify(path)}: not a server path`);
    const res = await this.call('GET', relative, { signal, timeoutMs: DOWNLOAD_TIMEOUT_MS, accept: 'application/octet-stream' });
    if (!res.ok) {
      await res.body?.cancel();
      throw new HttpError(res.status, `download ${path.split('?')[0]}: ${res.status} ${res.statusText}`.trim());
    }
    return res;
  }

  private async call(
    method: string,
    path: string,
    options: { body?: unknown; signal?: AbortSignal; auth?: boolean; timeoutMs?: number; accept?: string },
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.auth !== false) {
      if (!this.credential) throw new Error('no host credential yet');
      headers.authorization = `Bearer ${this.credential}`;
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    const res = await fetch(new URL(path, this.base), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      redirect: 'error',
    });
    if (res.status === 401) {
      await res.body?.cancel();
      throw new UnauthorizedError(`${method} /${path.split('?')[0]}: 401 Unauthorized`);
    }
    if (res.status >= 400) {
      const text = (await res.text().catch(() => '')).slice(0, 300);
      throw new HttpError(res.status, `${method} /${path.split('?')[0]}: ${res.status} ${text}`.trim());
    }
    return res;
  }
}
