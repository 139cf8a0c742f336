import { createServer, type Server } from 'node:http';
import type { IngressRuleTable } from '../rules/ingress-rule-table';
import type { HealthSource } from './health-server';

/**
 * The plain HTTP listener. It does NOT proxy yet (the load balancer is a later issue): it tells
 * which rule a request would take, answering 404 when no Ingress rule covers the host or path
 * and 503 when one does, naming the backend it would go to.
 */
export function createTrafficServer(table: IngressRuleTable, health: HealthSource): Server {
  return createServer((req, res) => {
    const reply = (status: number, text: string) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    const host = req.headers.host ?? '';
    const path = new URL(req.url ?? '/', 'http://request').pathname;
    const match = table.match(host, path);
    if (match.kind === 'matched') {
      const r = match.rule;
      return reply(503, `ingress ${r.namespace}/${r.ingress} routes ${r.host ?? '*'}${r.path} (${r.pathType}) to service ${r.service}:${r.port}, but this controller does not proxy traffic yet\n`);
    }
    if (!health.status().synced) return reply(503, 'ingress rules are not synced with the apiserver yet\n');
    if (match.kind === 'no-host') return reply(404, `no ingress rule for host ${JSON.stringify(match.host)}\n`);
    return reply(404, `no ingress rule for host ${JSON.stringify(match.host)} and path ${JSON.stringify(match.path)}\n`);
  });
}
