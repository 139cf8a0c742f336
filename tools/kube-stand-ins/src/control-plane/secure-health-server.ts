import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { closeServer, listen } from '../common/listen';
import type { Logger } from '../common/logger';
import { loadOrCreateServingCert } from '../common/self-signed-cert';

export interface SecureHealthServerOptions {
  component: string;
  bindAddress: string;
  port: number;
  certFile: string;
  keyFile: string;
  certDir: string;
  clientCaFile: string;
  /** --authorization-always-allow-paths */
  publicPaths: string[];
  /** named checks behind /healthz, /livez and /readyz */
  checks: { name: string; ok: () => boolean }[];
  log: Logger;
}

/**
 * The secure port of kube-scheduler / kube-controller-manager: HTTPS with the given or a
 * self-signed certificate; health paths open to anyone, other paths only to clients with a
 * certificate from --client-ca-file.
 */
export async function startSecureHealthServer(opts: SecureHealthServerOptions): Promise<{ close(): Promise<void> }> {
  const serving = await loadOrCreateServingCert({
    certFile: opts.certFile,
    keyFile: opts.keyFile,
    certDir: opts.certDir,
    name: opts.component,
    host: opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? 'localhost' : opts.bindAddress,
  });
  const ca = opts.clientCaFile ? readFileSync(opts.clientCaFile, 'utf8') : undefined;
  const server: Server = createServer({ cert: serving.cert, key: serving.key, ca, requestCert: !!ca, rejectUnauthorized: false }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://component');
    const path = url.pathname;
    const health = path.match(/^\/(healthz|livez|readyz)(?:\/(.+))?$/);
    const allowed = opts.publicPaths.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p === path)) || (health && opts.publicPaths.includes(`/${health[1]}`));
    if (!allowed && !(req.socket as TLSSocket).authorized) {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `forbidden: User "system:anonymous" cannot get path "${path}"`, reason: 'Forbidden', code: 403 }));
    }
    if (!health) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('404 page not found\n');
    }
    const selected = health[2] ? opts.checks.filter((c) => c.name === health[2]) : opts.checks;
    const results = selected.map((c) => ({ name: c.name, ok: c.ok() }));
    const ok = results.every((r) => r.ok);
    const verbose = url.searchParams.has('verbose') || !ok;
    const body = verbose ? `[+]ping ok\n${results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`)).join('\n')}\n${health[1]} check ${ok ? 'passed' : 'failed'}\n` : 'ok';
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  });
  await listen(server, opts.port, opts.bindAddress);
  opts.log.info(`Serving securely on ${opts.bindAddress}:${opts.port}`);
  return { close: () => closeServer(server) };
}
