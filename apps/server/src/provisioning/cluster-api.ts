import { request } from 'node:https';
import { clusterTrust, type EnvironmentSecrets } from './environment-secrets';

const TIMEOUT_MS = 5_000;

export interface ClusterApiResponse {
  status: number;
  body: unknown;
}

/** Thrown for an answer outside 2xx, with the apiserver's own message. */
export class ClusterApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One request to an environment's kube-apiserver as its admin (the certificate the server keeps),
 * verified against the cluster CA. Non-2xx answers reject with the Status message.
 */
export function clusterApi(
  server: string,
  secrets: EnvironmentSecrets,
  method: 'GET' | 'PATCH',
  path: string,
  patch?: { contentType: string; body: unknown },
): Promise<ClusterApiResponse> {
  const body = patch ? JSON.stringify(patch.body) : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server),
      {
        method,
        ca: clusterTrust(secrets),
        cert: secrets.admin.certPem,
        key: secrets.admin.keyPem,
        headers: { accept: 'application/json', ...(patch ? { 'content-type': patch.contentType, 'content-length': Buffer.byteLength(body!) } : {}) },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve({ status, body: parsed });
          const message = (parsed as { message?: string })?.message ?? text.slice(0, 200);
          reject(new ClusterApiError(status, `${method} ${path}: HTTP ${status}: ${message}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer from ${server} within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
