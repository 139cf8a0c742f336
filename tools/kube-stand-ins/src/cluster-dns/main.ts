import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { closeServer, listen } from '../common/listen';
import { runStandIn } from '../common/run-stand-in';
import { CORRAL_COREDNS_FLAGS } from '../common/upstream-flags';

/**
 * Stand-in for corral-coredns (test infrastructure): takes its flags, reads the Corefile and
 * serves what its `health` and `ready` plugins would (/health, /ready), but adds no address and
 * answers no DNS, so loopback hosts sharing the machine's network namespace stay safe. The real
 * CoreDNS runs in the real-binaries tier.
 */
if (process.argv[2]?.startsWith('--cleanup=')) process.exit(0);

void runStandIn('corral-coredns', CORRAL_COREDNS_FLAGS, process.argv.slice(2), 'stand-in', async ({ flags, log }) => {
  const corefile = readFileSync(flags.str('conf'), 'utf8');
  const servers = (['health', 'ready'] as const).map((plugin) => {
    const m = new RegExp(`^\\s*${plugin}\\s+(\\S+):(\\d+)\\s*$`, 'm').exec(corefile);
    if (!m) throw new Error(`the Corefile has no "${plugin} ADDRESS:PORT" line`);
    const server = createServer((req, res) => {
      const ok = (req.url ?? '/').split('?')[0] === `/${plugin}`;
      res.writeHead(ok ? 200 : 404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(ok ? 'OK' : '404 page not found\n');
    });
    return { server, host: m[1]!, port: Number(m[2]) };
  });
  for (const s of servers) await listen(s.server, s.port, s.host);
  log.info(`link-local ${flags.str('link-local')} (not added: stand-in); serving /health and /ready only`);
  return { close: async () => void (await Promise.all(servers.map((s) => closeServer(s.server)))) };
});
