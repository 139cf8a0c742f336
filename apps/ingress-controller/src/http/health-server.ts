import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { IngressRuleTable } from '../rules/ingress-rule-table';
import type { HealthStatus } from '../watch/watch-health';

export interface HealthSource {
  status(): HealthStatus;
}

/**
 * The healthz port: GET /healthz (200 "ok" when the informer has synced and its apiserver
 * watch is connected, else 503 with the reason) and GET /debug/rules (the rule table as JSON,
 * read-only).
 */
export function createHealthServer(health: HealthSource, table: IngressRuleTable): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://healthz').pathname;
    if (path !== '/healthz' && path !== '/debug/rules') return send(res, 404, 'text/plain', `404 page not found\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain', `method ${req.method} not allowed\n`);
    }
    if (path === '/healthz') {
      const status = health.status();
      return send(res, status.healthy ? 200 : 503, 'text/plain', `${status.reason}\n`, req);
    }
    const status = health.status();
    const body = { synced: status.synced, watch: status.phase, ingresses: table.ingressCount, rules: table.rules() };
    return send(res, 200, 'application/json', `${JSON.stringify(body, null, 2)}\n`, req);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string, req?: IncomingMessage): void {
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(req?.method === 'HEAD' ? undefined : body);
}
