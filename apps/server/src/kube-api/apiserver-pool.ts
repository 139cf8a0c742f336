import { Agent, request } from 'node:https';
import { pickApiserver } from '@corral/domain';

export interface ProxyTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** What the database says about one of the environment's kube-apiservers. */
export interface ApiserverRecord {
  hostId: string;
  hostname: string;
  address: string;
  port: number;
  /** its host is active and its agent reports it running and healthy */
  reportedHealthy: boolean;
}

/** Something open to a backend that must end when the backend is given up (a request, an upgraded socket). */
export interface OpenStream {
  destroy(error?: Error): void;
}

export class ApiserverBackend {
  readonly agent: Agent;
  /** null until the first probe answered or failed */
  probeOk: boolean | null = null;
  failuresInARow = 0;
  readonly open = new Set<OpenStream>();

  constructor(
    public record: ApiserverRecord,
    tls: ProxyTls,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 64, ca: tls.caPem, cert: tls.certPem, key: tls.keyPem });
  }

  get id(): string {
    return this.record.hostId;
  }

  /** Takes new requests: its agent reports it healthy and the proxy's own last probe did not fail. */
  get usable(): boolean {
    return this.record.reportedHealthy && this.probeOk !== false;
  }

  get failures(): number {
    return this.failuresInARow;
  }

  track(stream: OpenStream): () => void {
    this.open.add(stream);
    return () => this.open.delete(stream);
  }

  /** Ends every connection to it: requests in flight fail over or end, pooled sockets close. */
  abandon(reason: string): number {
    const streams = [...this.open];
    this.open.clear();
    for (const stream of streams) stream.destroy(new Error(reason));
    this.agent.destroy();
    return streams.length;
  }
}

const PROBE_TIMEOUT_MS = 1_000;
/** a backend loses new requests at its first failed probe, and its open connections at this many in a row */
const ABANDON_AFTER_FAILURES = 2;

/**
 * One environment's kube-apiservers as the proxy sees them: the database's view (refreshed by
 * the owner) joined with the proxy's own /readyz probes, which notice a host cut off within a
 * second, long before its agent is declared disconnected.
 */
export class ApiserverPool {
  private backends: ApiserverBackend[] = [];
  private currentId: string | null = null;
  lastUsedAt = Date.now();

  constructor(
    readonly environmentId: string,
    readonly environmentName: string,
    public tls: ProxyTls,
    private readonly onAbandon: (backend: ApiserverBackend, streams: number) => void,
  ) {}

  /** Adopts the database's current list; backends keep their probe state and connections. */
  update(records: ApiserverRecord[], tls: ProxyTls): void {
    const tlsChanged = tls.certPem !== this.tls.certPem || tls.caPem !== this.tls.caPem;
    this.tls = tls;
    const next: ApiserverBackend[] = [];
    for (const record of records) {
      const existing = this.backends.find((b) => b.id === record.hostId && b.record.address === record.address && b.record.port === record.port);
      if (existing && !tlsChanged) {
        existing.record = record;
        next.push(existing);
      } else {
        next.push(new ApiserverBackend(record, tls));
      }
    }
    for (const gone of this.backends.filter((b) => !next.includes(b))) gone.abandon(`kube-apiserver on ${gone.record.hostname} left the environment`);
    this.backends = next;
  }

  /** The backend for the next request (pickApiserver: usable ones first, else the one failing least). */
  pick(exclude: ReadonlySet<ApiserverBackend> = new Set()): ApiserverBackend | null {
    const candidates = this.backends.filter((b) => !exclude.has(b));
    const picked = pickApiserver(candidates, this.currentId);
    if (picked && exclude.size === 0) this.currentId = picked.id;
    this.lastUsedAt = Date.now();
    return picked;
  }

  get current(): ApiserverBackend | null {
    return this.backends.find((b) => b.id === this.currentId) ?? null;
  }

  list(): readonly ApiserverBackend[] {
    return this.backends;
  }

  /** A request could not reach the backend: no new requests until a probe succeeds again. */
  reportFailure(backend: ApiserverBackend): void {
    backend.probeOk = false;
    backend.failuresInARow = Math.max(backend.failuresInARow, 1);
  }

  async probeAll(): Promise<void> {
    await Promise.all(this.backends.map((b) => this.probe(b)));
  }

  private async probe(backend: ApiserverBackend): Promise<void> {
    const ok = await probeReadyz(backend.record, this.tls);
    backend.probeOk = ok;
    backend.failuresInARow = ok ? 0 : backend.failuresInARow + 1;
    if (backend.failuresInARow >= ABANDON_AFTER_FAILURES && backend.open.size > 0) {
      const reason = `kube-apiserver on ${backend.record.hostname} (${backend.record.address}) stopped answering`;
      this.onAbandon(backend, backend.abandon(reason));
    }
  }

  close(): void {
    for (const backend of this.backends) backend.abandon('the server is shutting down');
    this.backends = [];
  }
}

/** GET /readyz on a fresh connection (a pooled one could hide a dead peer), within a second. */
function probeReadyz(record: ApiserverRecord, tls: ProxyTls): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: record.address, port: record.port, path: '/readyz', method: 'GET', ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, agent: false, timeout: PROBE_TIMEOUT_MS },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error('probe timeout')), PROBE_TIMEOUT_MS);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new Error('probe timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}
