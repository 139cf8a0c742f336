import { Agent, request as httpsRequest } from 'node:https';
import { parse } from 'yaml';

export interface KubeResponse {
  status: number;
  body: any;
}

/** A minimal client of one apiserver, as a kubeconfig's admin: one kept-alive TLS connection, no kubectl process per call. */
export interface KubeClient {
  server: string;
  /** never throws on an HTTP status; throws when the apiserver does not answer (refused, reset, timed out) */
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeResponse>;
  close(): void;
}

const REQUEST_TIMEOUT_MS = 5000;

/** A client for a kubeconfig with embedded certificates (what GET /v1/environments/:env/kubeconfig and buildKubeconfig give). */
export function kubeClient(kubeconfig: string): KubeClient {
  const config = parse(kubeconfig) as {
    'current-context'?: string;
    contexts: { name: string; context: { cluster: string; user: string } }[];
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const context = (config.contexts.find((c) => c.name === config['current-context']) ?? config.contexts[0]!).context;
  const cluster = config.clusters.find((c) => c.name === context.cluster)!.cluster;
  const user = config.users.find((u) => u.name === context.user)!.user;
  const b64 = (s: string) => Buffer.from(s, 'base64');
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 4,
    ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
  });
  return {
    server: cluster.server,
    request: (method, path, body, contentType = 'application/json') =>
      new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const req = httpsRequest(
          new URL(path, cluster.server),
          {
            method,
            agent,
            headers: { accept: 'application/json', ...(data === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(data) }) },
            timeout: REQUEST_TIMEOUT_MS,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                // not JSON
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error(`timed out after ${REQUEST_TIMEOUT_MS / 1000} s`)));
        req.on('error', reject);
        req.end(data);
      }),
    close: () => agent.destroy(),
  };
}
