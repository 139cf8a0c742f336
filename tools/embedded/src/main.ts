// `npm start`: Corral's main job on embedded defaults, for a first look on one machine. As root
// (the default) the demo runs on real Kubernetes: upstream binaries built from source and three
// hosts that are real nodes. `--stand-ins`: three loopback agents with the stand-in binaries.
import { localServerTls } from './local-tls';
import { spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import type { HostHarness, HostProcess } from '@corral/test-hosts';
import { agentArgv } from '@corral/test-hosts';
import { Progress } from './progress';
import { findOnPath, redisAnswers, startRedisServer } from './local-redis';
import { ApiClient } from './api-client';
import { embeddedPostgresDataDir } from './embedded-postgres';
import { createEnvironment, deleteEnvironment, environmentHosts, waitForActive } from './demo-environment';
import { NEEDS_ROOT, agentBinDir, corralImages, createNodeHosts, missingNodePackages, upstreamBinaries, upstreamVersions } from './node-hosts';

const ROOT = resolve(__dirname, '../../../..');
const DATA = join(ROOT, '.corral');
const PORT = Number(process.env.CORRAL_PORT ?? 8080);
const EMBEDDED_PG_PORT = 54329;
const EMBEDDED_REDIS_PORT = 56379;

const DEMO_ENV = 'demo';
const HOST_COUNT = 3;
// --stand-ins: loopback addresses are all local on Linux, three hosts on one machine, no root needed
const LOCAL_HOSTS = [1, 2, 3].map((n) => ({ name: `local-${n}`, address: `127.0.0.${n + 1}` }));
const USAGE = 'usage: npm start [-- --stand-ins]';

const children: ChildProcess[] = [];
/** --stand-ins agents */
const agents: ChildProcess[] = [];
/** real mode: the node hosts and an agent on each */
let harness: HostHarness | null = null;
const hostAgents: HostProcess[] = [];
/** the start-up's progress and what it waits for, both cut short by Ctrl-C */
const progress = new Progress();
const interrupted = new AbortController();
/** an agent stops its components in parallel; kube-apiserver's grace period is the longest, 30 s */
const AGENT_STOP_GRACE_MS = 45_000;

async function stopAll(processes: ChildProcess[], timeoutMs: number): Promise<void> {
  const running = processes.filter((p) => p.exitCode === null && p.signalCode === null);
  for (const p of running) p.kill('SIGTERM');
  await Promise.all(running.map((p) => new Promise((resolve) => {
    const timer = setTimeout(() => { p.kill('SIGKILL'); resolve(null); }, timeoutMs);
    p.once('exit', () => { clearTimeout(timer); resolve(null); });
  })));
}
let postgres: ChildProcess | null = null;

/** Starts PostgreSQL in its own process group (detached), answering its connection URL. */
function startPostgresProcess(): Promise<string> {
  const child = spawn(process.execPath, [join(__dirname, 'postgres-process.js'), DATA, String(EMBEDDED_PG_PORT)], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  postgres = child;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with code ${code}; see the messages above`)));
  });
}

function parseArgs(argv: string[]): { standIns: boolean } {
  const unknown = argv.filter((a) => a !== '--stand-ins');
  if (unknown.length) throw new Error(`unknown argument ${unknown.join(' ')}\n${USAGE}`);
  return { standIns: argv.includes('--stand-ins') };
}

/** What real mode prepares before any service starts: binaries, images, hosts. */
interface RealNodes {
  harness: HostHarness;
  binDir: string;
  kubectl: string;
  imageDir: string;
  images: string[];
}

async function prepareRealNodes(): Promise<RealNodes> {
  const missing = missingNodePackages();
  if (missing.length) throw new Error(`real nodes need ${missing.join(', ')}: as root, apt-get install -y ${missing.join(' ')}`);
  const upstream = await upstreamBinaries(progress);
  const images = await corralImages(progress, join(DATA, 'images'));
  harness = await createNodeHosts(progress, HOST_COUNT, onSignal);
  const { binDir, kubectl } = agentBinDir(harness, upstream, DATA);
  return { harness, binDir, kubectl, imageDir: images.dir, images: images.names };
}

async function main(): Promise<void> {
  const { standIns } = parseArgs(process.argv.slice(2));
  if (!standIns && process.getuid?.() !== 0) throw new Error(NEEDS_ROOT);
  // traversable (not listable): root's embedded PostgreSQL runs as the system user postgres, and
  // a cluster it made here before (in a checkout that user can reach) stays here
  mkdirSync(DATA, { recursive: true, mode: 0o711 });
  chmodSync(DATA, 0o711);

  const real = standIns ? null : await prepareRealNodes();
  // the hosts reach the server over their bridge, so it listens on every address
  const bindAddress = process.env.CORRAL_BIND_ADDRESS ?? (real ? '0.0.0.0' : '127.0.0.1');

  const databaseUrl =
    process.env.DATABASE_URL ??
    (await progress.step(`starting embedded PostgreSQL (data in ${embeddedPostgresDataDir(DATA)})`, () => startPostgresProcess()));

  const redisUrl = await progress.step('finding Redis', async () => {
    if (process.env.REDIS_URL) return process.env.REDIS_URL;
    if (await redisAnswers('127.0.0.1', 6379)) return 'redis://127.0.0.1:6379';
    const binary = findOnPath('redis-server');
    if (!binary) {
      throw new Error(
        'no Redis answers on 127.0.0.1:6379 and no redis-server is on PATH: install Redis (Debian/Ubuntu, as root: apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL',
      );
    }
    children.push(await startRedisServer(binary, EMBEDDED_REDIS_PORT));
    return `redis://127.0.0.1:${EMBEDDED_REDIS_PORT}`;
  });

  const secretKeyFile = join(DATA, 'secret-key');
  if (!existsSync(secretKeyFile)) writeFileSync(secretKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const adminKeyFile = join(DATA, 'admin-key');
  const url = `https://127.0.0.1:${PORT}`;
  const tls = await progress.step(`issuing the server's TLS certificate from the local CA in ${join(DATA, 'tls')}`, () =>
    localServerTls(DATA, real ? [real.harness.serverAddress] : []),
  );

  await progress.step(`starting the Corral server on ${url}${bindAddress === '127.0.0.1' ? '' : ` (listening on ${bindAddress})`}`, async () => {
    await assertPortFree(PORT, bindAddress);
    // detached: Ctrl-C reaches the launcher, which stops the agents before the server
    const server = spawn(process.execPath, [join(ROOT, 'dist/apps/server/src/main.js')], {
      detached: true,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        CORRAL_PORT: String(PORT),
        CORRAL_BIND_ADDRESS: bindAddress,
        CORRAL_SECRET_KEY: process.env.CORRAL_SECRET_KEY ?? readFileSync(secretKeyFile, 'utf8').trim(),
        CORRAL_ADMIN_KEY_FILE: adminKeyFile,
        CORRAL_SNAPSHOT_DIR: process.env.CORRAL_SNAPSHOT_DIR ?? join(DATA, 'snapshots'),
        CORRAL_TLS_CERT_FILE: tls.certFile,
        CORRAL_TLS_KEY_FILE: tls.keyFile,
        CORRAL_TLS_CA_FILE: tls.caFile,
        // every host's containerd gets these images, so pods use them without a registry
        ...(real ? { CORRAL_IMAGE_DIR: real.imageDir } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(server);
    const exited = new Promise<never>((_, reject) => server.once('exit', (code) => reject(new Error(`the server exited with code ${code}; see the messages above`))));
    await Promise.race([waitForHealthy(url), exited]);
  });

  const adminKey = process.env.CORRAL_ADMIN_KEY ?? readFileSync(adminKeyFile, 'utf8').trim();
  const api = new ApiClient(url, adminKey);
  const hostNames = real ? real.harness.hosts.map((_, i) => `node-${i + 1}`) : LOCAL_HOSTS.map((h) => h.name);
  await progress.step(`creating environment ${DEMO_ENV} (3 etcd members) with a registration token`, async () => {
    // Hosts of another run (real hosts are made anew each time; a --stand-ins run's are not
    // these): the environment is made fresh, and the stand-in agents' identities go with it.
    const previous = await environmentHosts(api, DEMO_ENV);
    if (previous && (real || previous.some((h) => !hostNames.includes(h.hostname)))) {
      progress.note(`${DEMO_ENV} exists from an earlier run (hosts ${previous.map((h) => h.hostname).join(', ') || 'none'}): deleting it to start fresh`);
      await deleteEnvironment(api, DEMO_ENV, previous);
      rmSync(join(DATA, 'agents'), { recursive: true, force: true });
    }
    await createEnvironment(api, DEMO_ENV);
  });
  const token = ((await api.request('POST', `/v1/environments/${DEMO_ENV}/registration-tokens`, { ttl: '1h', maxUses: HOST_COUNT })).body as { token: string }).token;

  if (real) {
    const serverForHosts = `https://${real.harness.serverAddress}:${PORT}`;
    await progress.step(`starting an agent on each host (${real.harness.hosts.map((h, i) => `${hostNames[i]} ${h.address}`).join(', ')}; server ${serverForHosts})`, async () => {
      real.harness.hosts.forEach((host, i) => {
        const argv = agentArgv(host, { server: serverForHosts, caFile: tls.caFile, token, binDir: real.binDir, hostname: hostNames[i], extraArgs: ['--stop-components-on-exit'] });
        hostAgents.push(real.harness.startProcess(host, argv, { name: 'agent', logFile: join(DATA, `agent-${hostNames[i]}.log`) }));
      });
    });
  } else {
    await progress.step(`starting ${LOCAL_HOSTS.length} local agents on ${LOCAL_HOSTS.map((h) => h.address).join(', ')}`, async () => {
      for (const host of LOCAL_HOSTS) {
        const stateDir = join(DATA, 'agents', host.name);
        const log = join(DATA, `agent-${host.name}.log`);
        const agent = spawn(
          process.execPath,
          [join(ROOT, 'dist/apps/agent/src/main.js'), '--server', url, '--ca-file', tls.caFile, '--token', token, '--state-dir', stateDir,
            '--bin-dir', join(ROOT, 'tools/kube-stand-ins/bin'), '--address', host.address, '--hostname', host.name, '--stop-components-on-exit'],
          { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')] },
        );
        agents.push(agent);
      }
    });
  }
  const componentLogs = real ? join(real.harness.workDir, 'h*/state/logs') : join(DATA, 'agents/*/logs');
  await waitForActive(api, progress, DEMO_ENV, {
    minutes: real ? 10 : 5,
    logs: `${join(DATA, 'agent-*.log')} and ${componentLogs}`,
    signal: interrupted.signal,
  });
  const kubeconfigFile = join(DATA, `${DEMO_ENV}.kubeconfig`);
  const kubeconfig = await api.request('GET', `/v1/environments/${DEMO_ENV}/kubeconfig`);
  writeFileSync(kubeconfigFile, kubeconfig.body as string, { mode: 0o600 });

  const shown = (p: string) => (p.startsWith(`${process.cwd()}/`) ? relative(process.cwd(), p) : p);
  const kc = `kubectl --kubeconfig ${shown(kubeconfigFile)}`;
  const lines = [
    '',
    `Corral is running at ${url}  (web console: ${url}/, log in with the admin API key below; API docs: ${url}/docs)`,
    `  its CA: ${tls.caFile}  (SHA-256 fingerprint ${tls.caFingerprint}); clients: --ca-file ${shown(tls.caFile)} or curl --cacert ${shown(tls.caFile)}`,
  ];
  if (real) {
    const busybox = real.images.find((n) => n.includes('/busybox:')) ?? 'corral.local/busybox:1.35.0';
    lines.push(
      `  listening on ${bindAddress}; the hosts reach it at https://${real.harness.serverAddress}:${PORT}`,
      `Environment ${DEMO_ENV} is active: Kubernetes ${upstreamVersions().kubernetes} on ${HOST_COUNT} nodes, ` +
        real.harness.hosts.map((h, i) => `${hostNames[i]} (${h.address})`).join(', '),
      `  kubeconfig: ${kubeconfigFile}; kubectl ${upstreamVersions().kubernetes}: ${real.kubectl}`,
      `  images on every node: ${real.images.join(', ')}`,
      `Admin API key: ${adminKeyFile} (mode 0600)${process.env.CORRAL_ADMIN_KEY ? ' — you set CORRAL_ADMIN_KEY, use that' : ''}`,
      '',
      'Try (in another terminal, as root):',
      `  export PATH=${join(DATA, 'bin')}:$PATH`,
      `  ${kc} get nodes -o wide`,
      `  ${kc} create deployment hello --image=${busybox} --replicas=3 -- httpd -f -p 8080 -h /var/www`,
      `  ${kc} expose deployment hello --port 80 --target-port 8080`,
      `  ${kc} get pods -o wide`,
      `  ${kc} run probe --rm -i --image=${busybox} --restart=Never -- \\`,
      `      sh -c 'nslookup hello.default.svc.cluster.local; wget -qO- http://hello'`,
      `  ${kc} create ingress hello --rule='hello.example/*=hello:80'`,
      `  curl -s -H 'Host: hello.example' http://$(${kc} get ingress hello -o jsonpath='{.status.loadBalancer.ingress[0].ip}')/`,
      `  curl -s --cacert ${shown(tls.caFile)} -H "Authorization: Bearer $(cat ${shown(adminKeyFile)})" ${url}/v1/environments/${DEMO_ENV}/events`,
      `Agent logs: ${join(DATA, 'agent-node-*.log')}; component logs (removed at exit): ${componentLogs}`,
    );
  } else {
    lines.push(
      `Environment ${DEMO_ENV} is active on ${LOCAL_HOSTS.length} local hosts (stand-in binaries). Its kubeconfig: ${kubeconfigFile}`,
      `  kubectl --kubeconfig ${kubeconfigFile} get nodes`,
      `Admin API key: ${adminKeyFile} (mode 0600)${process.env.CORRAL_ADMIN_KEY ? ' — you set CORRAL_ADMIN_KEY, use that' : ''}`,
      '',
      'Try:',
      `  KEY=$(cat ${adminKeyFile})`,
      `  curl -s --cacert ${tls.caFile} -H "Authorization: Bearer $KEY" ${url}/v1/environments/${DEMO_ENV}/events`,
      `  curl -s --cacert ${tls.caFile} -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"name":"dev"}' ${url}/v1/environments`,
      `  curl -s --cacert ${tls.caFile} -H "Authorization: Bearer $KEY" ${url}/v1/environments`,
      `Agent and component logs: ${join(DATA, 'agent-*.log')}, ${componentLogs}`,
    );
  }
  lines.push('', 'Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n'));
  await new Promise(() => undefined);
}

/** Another server on the port would answer our health checks: say so before starting ours. */
function assertPortFree(port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} on ${address} is in use (another npm start?): stop what listens there, or set CORRAL_PORT` : `port ${port}: ${err.message}`)),
    );
    probe.listen(port, address, () => probe.close(() => resolve()));
  });
}

async function waitForHealthy(url: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not become healthy at ${url}/healthz within 2 minutes`);
}

let stopping = false;

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  interrupted.abort();
  progress.interrupt();
  const stopProgress = new Progress();
  process.stdout.write('\n');
  const step = async (label: string, work: () => Promise<unknown>) => {
    try {
      await stopProgress.step(label, work);
    } catch (err) {
      process.stderr.write(`corral: ${(err as Error).message}\n`);
      code = 1;
    }
  };
  // agents first, all at once (each stops its components), then the hosts, the server and Redis
  if (agents.length) await step(`stopping ${agents.length} local agents and their components`, () => stopAll(agents, 30_000));
  if (hostAgents.length) await step(`stopping ${hostAgents.length} agents and their components`, () => Promise.all(hostAgents.map((a) => a.stop(AGENT_STOP_GRACE_MS))));
  const hosts = harness;
  if (hosts) await step(`removing the ${hosts.hosts.length} hosts (what still runs in them, their namespaces, cgroups and files)`, () => hosts.destroy());
  if (children.length) await step(`stopping the Corral server${children.length > 1 ? ' and Redis' : ''}`, () => stopAll(children, 10_000));
  if (postgres) await step('stopping embedded PostgreSQL', () => stopAll([postgres!], 30_000));
  process.exit(code);
}

function onSignal(): void {
  void shutdown(0);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);
main().catch((err) => {
  if (stopping) return; // cut short by Ctrl-C: shutdown says what it does
  process.stderr.write(`\ncorral: ${(err as Error).message}\n`);
  void shutdown(1);
});
