import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Backoff } from '@corral/domain';
import { sleep } from '@corral/domain';
import { EtcdClient } from '@corral/kube';
import type { CertPair } from '../common/self-signed-cert';
import type { Logger } from '../common/logger';
import { ApiError } from './api-status';
import { parseResourcePath } from './api-path';
import { authenticate } from './authenticator';
import { discoveryDocument } from './discovery';
import { HealthCheck, serveHealth } from './health-checks';
import { ObjectStore } from './object-store';
import { openapiV3Document } from './openapi';
import { NAMESPACE_RESOURCE } from './resources';
import { ResourceHandler, sendError, sendJson } from './resource-handler';

export interface ApiServerOptions {
  bindAddress: string;
  securePort: number;
  advertiseAddress: string;
  serving: CertPair;
  /** PEM of --client-ca-file; client certificates are not requested without it */
  clientCa?: string;
  anonymousAuth: boolean;
  authorizationModes: string[];
  etcd: { servers: string[]; ca?: string; cert?: string; key?: string; prefix: string; healthcheckTimeoutMs: number };
  minRequestTimeoutSeconds: number;
  gitVersion: string;
  log: Logger;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function versionInfo(gitVersion: string): Record<string, string> {
  const m = gitVersion.match(/^v(\d+)\.(\d+)/);
  return {
    major: m?.[1] ?? '1',
    minor: m?.[2] ?? '32',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-12-11T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** per request to etcd, as the stand-in's storage waited before */
const ETCD_REQUEST_TIMEOUT_MS = 5000;
/** lists of every object of a resource come back in one answer */
const ETCD_MAX_ANSWER_BYTES = 256 << 20;

/** The kube-apiserver stand-in: HTTPS, client-certificate authentication, objects in etcd. */
export class ApiServer {
  private readonly etcd: EtcdClient;
  private readonly store: ObjectStore;
  private readonly handler: ResourceHandler;
  private readonly server: Server;
  private readonly checks: HealthCheck[];
  private readonly abort = new AbortController();
  private bootstrapped = false;
  private shuttingDown = false;
  private etcdHealth: { at: number; ok: Promise<boolean> } | undefined;

  constructor(private readonly opts: ApiServerOptions) {
    const { ca, cert, key } = opts.etcd;
    const tls = ca || cert || key ? { caPem: ca ?? '', certPem: cert ?? '', keyPem: key ?? '' } : null;
    // a long-lived client that talks often: connections kept between requests
    this.etcd = new EtcdClient(opts.etcd.servers, tls, ETCD_REQUEST_TIMEOUT_MS, { keepAlive: true, maxResponseBytes: ETCD_MAX_ANSWER_BYTES });
    this.store = new ObjectStore(this.etcd, opts.etcd.prefix.replace(/\/$/, ''));
    this.handler = new ResourceHandler({ store: this.store, minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds });
    this.checks = [
      { name: 'ping', check: async () => true },
      { name: 'log', check: async () => true },
      { name: 'etcd', check: () => this.etcdHealthy() },
      { name: 'poststarthook/start-system-namespaces-controller', check: async () => this.bootstrapped },
      { name: 'shutdown', check: async () => !this.shuttingDown },
    ];
    this.server = createServer(
      {
        cert: opts.serving.cert,
        key: opts.serving.key,
        ca: opts.clientCa,
        requestCert: !!opts.clientCa,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
      },
      (req, res) => {
        this.route(req, res).catch((e) => sendError(res, e));
      },
    );
    this.server.keepAliveTimeout = 120_000;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.securePort, this.opts.bindAddress, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.opts.log.info(`Serving securely on ${this.opts.bindAddress}:${this.opts.securePort}`);
    void this.bootstrap();
  }

  async close(): Promise<void> {
    this.shuttingDown = true;
    this.abort.abort();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.etcd.close();
  }

  /** Creates the system namespaces once etcd answers, retrying with backoff until closed. */
  private async bootstrap(): Promise<void> {
    const backoff = new Backoff({ baseMs: 500, maxMs: 10_000, jitter: 0.3 });
    while (!this.abort.signal.aborted) {
      try {
        for (const name of SYSTEM_NAMESPACES) {
          if (await this.store.ensure(NAMESPACE_RESOURCE, undefined, { metadata: { name } })) this.opts.log.info(`created namespace ${name}`);
        }
        this.bootstrapped = true;
        return;
      } catch (e) {
        const delay = backoff.next();
        this.opts.log.warn(`bootstrap of system namespaces failed (${(e as Error).message}), retrying in ${delay}ms`);
        if (!(await sleep(delay, this.abort.signal))) return;
      }
    }
  }

  private etcdHealthy(): Promise<boolean> {
    const now = Date.now();
    if (!this.etcdHealth || now - this.etcdHealth.at > 1000) {
      this.etcdHealth = { at: now, ok: this.etcd.healthy(`${this.opts.etcd.prefix.replace(/\/$/, '')}/health`, this.opts.etcd.healthcheckTimeoutMs) };
    }
    return this.etcdHealth.ok;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const path = url.pathname;
    const auth = authenticate(req, path, {
      anonymousAuth: this.opts.anonymousAuth,
      authorizationModes: this.opts.authorizationModes,
      clientCertsEnabled: !!this.opts.clientCa,
    });
    if (!auth.allowed) {
      throw new ApiError(auth.code === 401 ? 'Unauthorized' : 'Forbidden', auth.message);
    }
    this.opts.log.v(4, `${req.method} ${req.url} user=${auth.user.name}`);

    const health = path.match(/^\/(healthz|livez|readyz)(?:\/(.+))?$/);
    if (health && (req.method === 'GET' || req.method === 'HEAD')) {
      const endpoint = health[1];
      // livez does not depend on etcd (upstream dropped it there); readyz and healthz do
      const checks = endpoint === 'livez' ? this.checks.filter((c) => c.name !== 'etcd' && c.name !== 'shutdown') : endpoint === 'healthz' ? this.checks.filter((c) => c.name !== 'shutdown') : this.checks;
      const excluded = url.searchParams.getAll('exclude');
      return serveHealth(res, `${endpoint}`, health[2], checks, url.searchParams.has('verbose'), excluded);
    }
    if (path === '/version' || path === '/version/') return sendJson(res, 200, versionInfo(this.opts.gitVersion));
    const discovery = req.method === 'GET' ? discoveryDocument(path, `${this.opts.advertiseAddress}:${this.opts.securePort}`) : undefined;
    if (discovery) return sendJson(res, 200, discovery);
    if (path.startsWith('/openapi/v3') && req.method === 'GET') {
      const doc = openapiV3Document(path, this.opts.gitVersion);
      if (doc) return sendJson(res, 200, doc);
    }
    const target = parseResourcePath(path);
    if (target) return this.handler.handle(req, res, target, url.searchParams);
    throw new ApiError('NotFound', 'the server could not find the requested resource');
  }
}
