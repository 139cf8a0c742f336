import { createServer } from 'node:http';
import { closeServer, listen } from '../common/listen';
import { runStandIn } from '../common/run-stand-in';
import { POD_NETWORK_FLAGS } from '../common/upstream-flags';

/**
 * Stand-in for corral-pod-network (test infrastructure): takes its flags and serves /healthz,
 * but touches no route, sysctl or iptables rule, so loopback hosts sharing the machine's network
 * namespace stay safe. The real daemon (apps/pod-network) runs in the real-binaries tier.
 */
void runStandIn('corral-pod-network', POD_NETWORK_FLAGS, process.argv.slice(2), 'stand-in', async ({ flags, log }) => {
  const server = createServer((req, res) => {
    const ok = (req.url ?? '/').split('?')[0] === '/healthz';
    res.writeHead(ok ? 200 : 404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(ok ? 'ok' : '404 page not found\n');
  });
  await listen(server, flags.int('healthz-port'), flags.str('bind-address'));
  log.info(`node CIDR ${flags.str('node-cidr')}, ${flags.list('route').length} route(s) (not applied: stand-in)`);
  return { close: () => closeServer(server) };
});
