import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type {
  CreateEnvironmentRequest,
  EnvironmentEventView,
  EnvironmentResource,
  EnvironmentWaitResponse,
  HostComponentRow,
  HostImageRow,
  HostRole,
  HostResource,
  ImageResource,
  ListResponse,
  PoolResource,
  CaRotationResource,
  RegistrationTokenCreated,
  UpdateEnvironmentRequest,
} from '@corral/contracts';
import { ApiError, UsageError } from '../exit-codes';
import { tlsVerificationFailure, trustServerCa } from './server-trust';
import { sleep } from '@corral/domain';
import { backoffDelay } from './backoff';
import type { Connection } from '../config/cli-config';

const REQUEST_TIMEOUT_MS = 30_000;
/** an image upload may be hundreds of MiB */
const UPLOAD_TIMEOUT_MS = 30 * 60_000;
const ATTEMPTS = 5;
/** answers worth retrying: the server or a proxy in front of it is briefly unavailable, or the key is over a limit (429, after its Retry-After) */
const RETRYABLE = new Set([429, 502, 503, 504]);

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** may be sent again after a network error or 429/502/503/504 (GETs, and POSTs with an Idempotency-Key) */
  retry?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  accept?: string;
  /** a body that is not JSON, made afresh for every attempt (a file stream) */
  rawBody?: () => { body: ReadableStream; contentType: string; length: number };
}

/** The management API over fetch: typed calls, the API's error shape as ApiError, bounded retries. */
export class CorralClient {
  constructor(readonly connection: Connection) {
    if (connection.caFile) trustServerCa(connection.caFile);
  }

  listEnvironments(query: { labelSelector?: string; state?: string } = {}) {
    return this.json<ListResponse<EnvironmentResource>>('GET', `/v1/environments${qs({ ...query, limit: '500' })}`, { retry: true });
  }

  getEnvironment(name: string) {
    return this.json<EnvironmentResource>('GET', `/v1/environments/${enc(name)}`, { retry: true });
  }

  /** Blocks on the server until the state, a failure, or timeoutSeconds. */
  waitForEnvironment(name: string, state: string, timeoutSeconds: number, signal?: AbortSignal) {
    return this.json<EnvironmentWaitResponse>('GET', `/v1/environments/${enc(name)}${qs({ waitFor: state, timeout: String(timeoutSeconds) })}`, { timeoutMs: (timeoutSeconds + 30) * 1000, signal });
  }

  /** Creates with an Idempotency-Key, so a retry after a lost answer cannot create twice. */
  createEnvironment(request: CreateEnvironmentRequest, idempotencyKey: string = randomUUID()) {
    return this.json<EnvironmentResource>('POST', '/v1/environments', { body: request, headers: { 'idempotency-key': idempotencyKey }, retry: true });
  }

  updateEnvironment(name: string, request: UpdateEnvironmentRequest) {
    return this.json<EnvironmentResource>('PATCH', `/v1/environments/${enc(name)}`, { body: request });
  }

  deleteEnvironment(name: string) {
    // DELETE is idempotent on the server
    return this.json<EnvironmentResource>('DELETE', `/v1/environments/${enc(name)}`, { retry: true });
  }

  /** The id of the environment's latest event (to follow only what comes after it). */
  async lastEventId(name: string): Promise<string | undefined> {
    const list = await this.json<ListResponse<EnvironmentEventView>>('GET', `/v1/environments/${enc(name)}/events?tail=1`, { retry: true });
    return list.items[0]?.id;
  }

  /** through the server (default) or `direct`; each call through the server mints a new token */
  async kubeconfig(name: string, options: { direct?: boolean; ttl?: string } = {}): Promise<string> {
    const query = qs({ endpoint: options.direct ? 'direct' : undefined, ttl: options.ttl });
    return (await this.request('GET', `/v1/environments/${enc(name)}/kubeconfig${query}`, { retry: true, accept: 'application/yaml' })).text();
  }

  /** starts a rotation of the cluster CA (409 while one runs) */
  startCaRotation(name: string) {
    return this.json<CaRotationResource>('POST', `/v1/environments/${enc(name)}/ca-rotation`, { body: {} });
  }

  /** the rotation in progress, else the last one (404: never rotated) */
  getCaRotation(name: string) {
    return this.json<CaRotationResource>('GET', `/v1/environments/${enc(name)}/ca-rotation`, { retry: true });
  }

  /** cancels a rotation still in trust-both */
  cancelCaRotation(name: string) {
    return this.json<CaRotationResource>('DELETE', `/v1/environments/${enc(name)}/ca-rotation`);
  }

  listHosts(query: { pool?: string; environment?: string } = {}) {
    return this.json<ListResponse<HostResource>>('GET', `/v1/hosts${qs(query)}`, { retry: true });
  }

  getHost(id: string) {
    return this.json<HostResource & { components: HostComponentRow[]; images?: HostImageRow[] }>('GET', `/v1/hosts/${enc(id)}`, { retry: true });
  }

  listImages() {
    return this.json<ListResponse<ImageResource>>('GET', '/v1/images', { retry: true });
  }

  /**
   * Uploads an OCI image archive, streamed from the file. Safe to send again (the same archive
   * is a no-op on the server), so it is retried like a GET; `created` is false when the server
   * had it already (200).
   */
  async uploadImage(file: string, timeoutMs = UPLOAD_TIMEOUT_MS): Promise<{ image: ImageResource; created: boolean }> {
    const size = statSync(file).size;
    const res = await this.request('POST', '/v1/images', {
      retry: true,
      timeoutMs,
      rawBody: () => ({ body: Readable.toWeb(createReadStream(file)) as ReadableStream, contentType: 'application/x-tar', length: size }),
    });
    return { image: (await res.json()) as ImageResource, created: res.status === 201 };
  }

  async deleteImage(id: string): Promise<void> {
    const res = await this.request('DELETE', `/v1/images/${enc(id)}`, { retry: true });
    await res.body?.cancel();
  }

  listPools() {
    return this.json<ListResponse<PoolResource>>('GET', '/v1/pools', { retry: true });
  }

  createToken(scope: { environment?: string; pool?: string }, body: { ttl?: string; maxUses?: number; roles?: HostRole[] }) {
    const path = scope.pool ? `/v1/pools/${enc(scope.pool)}/registration-tokens` : `/v1/environments/${enc(scope.environment!)}/registration-tokens`;
    return this.json<RegistrationTokenCreated>('POST', path, { body });
  }

  /** A request that returns the raw response (for streams); throws ApiError on an error answer. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const attempts = options.retry ? ATTEMPTS : 1;
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let res: Response;
      const raw = options.rawBody?.();
      try {
        res = await fetch(`${this.connection.server}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.connection.token}`,
            accept: options.accept ?? 'application/json',
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(raw ? { 'content-type': raw.contentType, 'content-length': String(raw.length) } : {}),
            ...options.headers,
          },
          body: raw ? raw.body : options.body === undefined ? undefined : JSON.stringify(options.body),
          signal,
          // a streamed request body (Node's fetch requires saying so)
          ...(raw ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (err) {
        const untrusted = tlsVerificationFailure(err);
        if (untrusted) {
          throw new UsageError(
            `${this.connection.server} presented a certificate this CLI does not trust (${untrusted}): pass the server's CA with --ca-file (or CORRAL_CA_FILE, or corral login --ca-file)`,
          );
        }
        if (options.signal?.aborted || attempt + 1 >= attempts) throw err;
        await sleep(backoffDelay(attempt), options.signal);
        continue;
      }
      const inFlight = res.status === 409 && res.headers.has('retry-after') && options.headers?.['idempotency-key'];
      if ((RETRYABLE.has(res.status) || inFlight) && attempt + 1 < attempts && !options.signal?.aborted) {
        await res.body?.cancel();
        await sleep(Math.max(backoffDelay(attempt), Number(res.headers.get('retry-after') ?? 0) * 1000), options.signal);
        continue;
      }
      if (!res.ok) throw await apiError(res);
      return res;
    }
  }

  private async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, options);
    return (await res.json()) as T;
  }
}

async function apiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: { message?: string; details?: { field: string; message: string }[] } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // not the API's JSON (a proxy's page)
  }
  const message = body?.message ?? (text.trim().slice(0, 200) || res.statusText);
  const hint = res.status === 401 ? ' (check CORRAL_TOKEN or run corral login)' : '';
  return new ApiError(res.status, `${res.status} ${res.statusText}: ${message}${hint}`, body);
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function qs(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
}
