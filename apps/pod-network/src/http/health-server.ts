import { createServer, type Server, type ServerResponse } from 'node:http';
import type { HealthStatus } from '../health/sync-health';

export interface HealthSource {
  status(): HealthStatus;
}

/** GET /healthz: 200 "ok" when the last sync succeeded, else 500 and what failed. */
export function createHealthServer(health: HealthSource): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://healthz').pathname;
    if (path !== '/healthz') return send(res, 404, '404 page not found\n', req.method === 'HEAD');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, `method ${req.method} not allowed\n`, false);
    }
    const status = health.status();
    return send(res, status.healthy ? 200 : 500, `${status.reason}\n`, req.method === 'HEAD');
  });
}

function send(res: ServerResponse, status: number, body: string, head: boolean): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(head ? undefined : body);
}

/** Binds server to address:port; rejects with a message naming the listener (EADDRINUSE, EACCES). */
export function listen(server: Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new Error(`healthz listener on ${address}:${port}: ${err.code ?? err.message}`));
    server.once('error', onError);
    server.listen(port, address, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Stops accepting and ends open connections. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
