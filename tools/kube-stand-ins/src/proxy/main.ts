import { createServer, Server } from 'node:http';
import { ApiserverReachability } from '../common/apiserver-reachability';
import { KubeClient, readKubeconfig } from '../common/kube-client';
import { closeServer, listen } from '../common/listen';
import { DEFAULT_KUBE_VERSION, runStandIn } from '../common/run-stand-in';
import { KUBE_PROXY_FLAGS } from '../common/upstream-flags';
import { readComponentConfig, splitHostPort } from '../control-plane/component-config';

void runStandIn('kube-proxy', KUBE_PROXY_FLAGS, process.argv.slice(2), process.env.KUBE_STAND_IN_VERSION ?? DEFAULT_KUBE_VERSION, async ({ flags, log }) => {
  if (flags.bool('cleanup')) {
    // upstream removes its iptables/ipvs/nftables rules and exits; the stand-in wrote none
    log.info('cleanup: no proxy rules to remove');
    process.exit(0);
  }
  const configPath = flags.str('config');
  const config = configPath ? readComponentConfig(configPath, 'KubeProxyConfiguration', ['kubeproxy.config.k8s.io/v1alpha1']) : {};
  // flags given explicitly win over the file, the file over upstream defaults
  const setting = (flag: string, field: unknown, fallback: string) => (flags.isSet(flag) ? flags.str(flag) : typeof field === 'string' && field !== '' ? field : fallback);
  const kubeconfig = setting('kubeconfig', (config.clientConnection as { kubeconfig?: string } | undefined)?.kubeconfig, '');
  const healthz = splitHostPort(setting('healthz-bind-address', config.healthzBindAddress, '0.0.0.0:10256'), 10256);
  const metrics = splitHostPort(setting('metrics-bind-address', config.metricsBindAddress, '127.0.0.1:10249'), 10249);
  const mode = setting('proxy-mode', config.mode, 'iptables');
  if (!['', 'iptables', 'ipvs', 'nftables'].includes(mode)) throw new Error(`invalid proxy mode "${mode}"`);
  if (!kubeconfig) throw new Error('invalid configuration: no configuration has been provided, try setting --kubeconfig');

  const client = new KubeClient(readKubeconfig(kubeconfig));
  const reachability = new ApiserverReachability(client, log);
  let lastUpdated = new Date(0);
  const healthBody = () => {
    const now = new Date();
    if (reachability.healthy) lastUpdated = now;
    return { lastUpdated: lastUpdated.toISOString(), currentTime: now.toISOString(), nodeEligible: true };
  };
  const handler = (withMetrics: boolean) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez') {
      const body = healthBody();
      res.writeHead(reachability.healthy ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
      return res.end(JSON.stringify(body));
    }
    if (withMetrics && path === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      return res.end(`# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds The last time proxy rules were successfully synced\n# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge\nkubeproxy_sync_proxy_rules_last_timestamp_seconds ${lastUpdated.getTime() / 1000}\n`);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  };

  await reachability.check();
  reachability.start();
  const servers: Server[] = [];
  if (healthz.port > 0) {
    const server = createServer(handler(false));
    await listen(server, healthz.port, healthz.host);
    servers.push(server);
    log.info(`Starting healthz server on ${healthz.host}:${healthz.port}`);
  }
  if (metrics.port > 0) {
    // upstream logs and carries on when the metrics server cannot bind
    const server = createServer(handler(true));
    try {
      await listen(server, metrics.port, metrics.host);
      servers.push(server);
    } catch (e) {
      log.error(`failed to start metrics server: ${(e as Error).message}`);
    }
  }
  log.info(`Using ${mode || 'iptables'} Proxier`);
  return {
    async close() {
      await reachability.stop();
      await Promise.all(servers.map(closeServer));
      client.close();
    },
  };
});
