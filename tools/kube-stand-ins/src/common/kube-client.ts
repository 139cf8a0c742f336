import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';

export interface KubeconfigTarget {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecure: boolean;
}

interface NamedEntry<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

/** Reads the current context of a kubeconfig file (file paths resolve against its directory). */
export function readKubeconfig(path: string): KubeconfigTarget {
  const doc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (!doc || typeof doc !== 'object') throw new Error(`${path}: not a kubeconfig`);
  const base = dirname(path);
  const clusters = (doc.clusters as NamedEntry<Record<string, unknown>>[]) ?? [];
  const users = (doc.users as NamedEntry<Record<string, unknown>>[]) ?? [];
  const contexts = (doc.contexts as NamedEntry<Record<string, string>>[]) ?? [];
  const ctx = contexts.find((c) => c.name === doc['current-context'])?.context ?? contexts[0]?.context;
  const cluster = (ctx ? clusters.find((c) => c.name === ctx.cluster) : clusters[0])?.cluster;
  const user = (ctx ? users.find((u) => u.name === ctx.user) : users[0])?.user ?? {};
  if (!cluster?.server) throw new Error(`${path}: invalid configuration: no server found for cluster`);
  const data = (inline: unknown, file: unknown): string | undefined => {
    if (typeof inline === 'string' && inline) return Buffer.from(inline, 'base64').toString('utf8');
    if (typeof file === 'string' && file) return readFileSync(isAbsolute(file) ? file : resolve(base, file), 'utf8');
    return undefined;
  };
  return {
    server: String(cluster.server).replace(/\/$/, ''),
    ca: data(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: data(user['client-certificate-data'], user['client-certificate']),
    key: data(user['client-key-data'], user['client-key']),
    token: typeof user.token === 'string' ? user.token : undefined,
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
}

export interface KubeResponse {
  status: number;
  body: unknown;
}

/** A small HTTPS client for the Kubernetes API, authenticated as the kubeconfig's user. */
export class KubeClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(private readonly target: KubeconfigTarget) {
    this.url = new URL(target.server);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 4,
      ca: target.ca,
      cert: target.cert,
      key: target.key,
      rejectUnauthorized: !target.insecure,
    });
  }

  request(method: string, path: string, body?: unknown, opts: { timeoutMs?: number; contentType?: string } = {}): Promise<KubeResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'kube-stand-in' };
    if (payload) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (this.target.token) headers.Authorization = `Bearer ${this.target.token}`;
    return new Promise((resolvePromise, reject) => {
      const req = request(
        {
          agent: this.agent,
          hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port || 443,
          method,
          path: (this.url.pathname === '/' ? '' : this.url.pathname) + path,
          headers,
          timeout: opts.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // plain-text bodies (healthz) stay strings
            }
            resolvePromise({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request to ${this.target.server}${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
