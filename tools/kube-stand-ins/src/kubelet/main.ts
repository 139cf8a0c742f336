import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { cpus, hostname, networkInterfaces, totalmem } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KubeClient, readKubeconfig } from '../common/kube-client';
import { listen, closeServer } from '../common/listen';
import { DEFAULT_KUBE_VERSION, runStandIn } from '../common/run-stand-in';
import { loadOrCreateServingCert } from '../common/self-signed-cert';
import { KUBELET_FLAGS } from '../common/upstream-flags';
import { parseKubeletConfiguration, resolveKubeletSettings } from './kubelet-settings';
import { NodeHeartbeat } from './node-heartbeat';

function defaultNodeIP(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

void runStandIn('kubelet', KUBELET_FLAGS, process.argv.slice(2), process.env.KUBE_STAND_IN_VERSION ?? DEFAULT_KUBE_VERSION, async ({ flags, log, version }) => {
  const configPath = flags.str('config');
  const config = configPath ? parseKubeletConfiguration(readFileSync(configPath, 'utf8'), configPath) : undefined;
  const settings = resolveKubeletSettings(flags, config);
  const rootDir = flags.str('root-dir');
  mkdirSync(rootDir, { recursive: true });
  const certDir = flags.str('cert-dir') || join(rootDir, 'pki');
  const nodeName = (flags.str('hostname-override') || hostname()).toLowerCase();
  const specific = (a: string) => (a && a !== '0.0.0.0' && a !== '::' ? a : '');
  const nodeIP = flags.list('node-ip')[0] || specific(settings.address) || defaultNodeIP();

  const kubeconfigPath = flags.str('kubeconfig');
  if (kubeconfigPath && !existsSync(kubeconfigPath)) {
    if (flags.str('bootstrap-kubeconfig')) throw new Error('TLS bootstrapping (--bootstrap-kubeconfig) is not supported by this kubelet; provide --kubeconfig');
    throw new Error(`invalid kubeconfig: open ${kubeconfigPath}: no such file or directory`);
  }

  const servers: Server[] = [];
  if (settings.healthzPort > 0) {
    const healthz = createHttpServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz' || path === '/healthz/ping' || path === '/healthz/syncloop') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('404 page not found\n');
      }
    });
    await listen(healthz, settings.healthzPort, settings.healthzBindAddress);
    servers.push(healthz);
    log.info(`Starting healthz server on ${settings.healthzBindAddress}:${settings.healthzPort}`);
  }

  if (flags.bool('enable-server')) {
    const serving = await loadOrCreateServingCert({
      certFile: settings.tlsCertFile,
      keyFile: settings.tlsPrivateKeyFile,
      certDir,
      name: 'kubelet',
      host: nodeName,
    });
    const clientCa = settings.clientCAFile ? readFileSync(settings.clientCAFile, 'utf8') : undefined;
    const https = createHttpsServer({ cert: serving.cert, key: serving.key, ca: clientCa, requestCert: !!clientCa, rejectUnauthorized: false }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end('ok');
      }
      if (!(req.socket as TLSSocket).authorized) {
        res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end('Unauthorized');
      }
      if (path === '/pods') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] }));
      }
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
    });
    await listen(https, settings.port, settings.address);
    servers.push(https);
    log.info(`Starting to listen on ${settings.address}:${settings.port}`);
  }

  let heartbeat: NodeHeartbeat | undefined;
  let client: KubeClient | undefined;
  if (kubeconfigPath && settings.registerNode) {
    client = new KubeClient(readKubeconfig(kubeconfigPath));
    heartbeat = new NodeHeartbeat(
      client,
      {
        name: nodeName,
        nodeIP,
        hostname: nodeName,
        kubeletPort: settings.port,
        kubeletVersion: version,
        labels: settings.nodeLabels,
        taints: settings.registerWithTaints,
        cpus: cpus().length,
        memoryBytes: totalmem(),
        maxPods: settings.maxPods,
        providerID: settings.providerID,
        podCIDR: settings.podCIDR,
      },
      settings.nodeStatusUpdateFrequencyMs,
      log,
    );
    heartbeat.start();
  } else {
    log.info(kubeconfigPath ? 'node registration disabled (--register-node=false)' : 'no --kubeconfig: running in standalone mode');
  }

  return {
    async close() {
      await heartbeat?.stop();
      client?.close();
      await Promise.all(servers.map(closeServer));
    },
  };
});
