import type { ServerResponse } from 'node:http';

export interface HealthCheck {
  name: string;
  check(): Promise<boolean>;
}

/**
 * /healthz, /livez, /readyz with upstream's output: "ok", or with ?verbose (or on failure)
 * one "[+]name ok" / "[-]name failed: reason withheld" line per check. /readyz/<name> runs one check.
 */
export async function serveHealth(res: ServerResponse, endpoint: string, sub: string | undefined, checks: HealthCheck[], verbose: boolean, excluded: string[]): Promise<void> {
  const selected = sub ? checks.filter((c) => c.name === sub) : checks.filter((c) => !excluded.includes(c.name));
  if (sub && selected.length === 0) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
    return;
  }
  const results = await Promise.all(selected.map(async (c) => ({ name: c.name, ok: await c.check().catch(() => false) })));
  const ok = results.every((r) => r.ok);
  let body: string;
  if (sub) body = ok ? 'ok' : `internal server error: ${sub} check failed`;
  else if (ok && !verbose) body = 'ok';
  else {
    const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
    body = `${lines.join('\n')}\n${endpoint} check ${ok ? 'passed' : 'failed'}\n`;
  }
  res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' });
  res.end(body);
}
