// `npm start`: Corral's main job on embedded defaults, for a first look on one machine.
import { spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Progress } from './progress';
import { findOnPath, redisAnswers, startRedisServer } from './local-redis';
import { ApiClient } from './api-client';
import { embeddedPostgresDataDir } from './embedded-postgres';

const ROOT = resolve(__dirname, '../../../..');
const DATA = join(ROOT, '.corral');
const PORT = Number(process.env.CORRAL_PORT ?? 8080);
const EMBEDDED_PG_PORT = 54329;
const EMBEDDED_REDIS_PORT = 56379;

const DEMO_ENV = 'demo';
// loopback addresses are all local on Linux: three hosts on one machine, no root needed
const LOCAL_HOSTS = [1, 2, 3].map((n) => ({ name: `local-${n}`, address: `127.0.0.${n + 1}` }));

const children: ChildProcess[] = [];
const agents: ChildProcess[] = [];

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

async function main(): Promise<void> {
  const progress = new Progress();
  // traversable (not listable): root's embedded PostgreSQL runs as the system user postgres, and
  // a cluster it made here before (in a checkout that user can reach) stays here
  mkdirSync(DATA, { recursive: true, mode: 0o711 });
  chmodSync(DATA, 0o711);

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
  const url = `http://127.0.0.1:${PORT}`;

  await progress.step(`starting the Corral server on ${url}`, async () => {
    await assertPortFree(PORT);
    // detached: Ctrl-C reaches the launcher, which stops the agents before the server
    const server = spawn(process.execPath, [join(ROOT, 'dist/apps/server/src/main.js')], {
      detached: true,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        CORRAL_PORT: String(PORT),
        CORRAL_BIND_ADDRESS: process.env.CORRAL_BIND_ADDRESS ?? '127.0.0.1',
        CORRAL_SECRET_KEY: process.env.CORRAL_SECRET_KEY ?? readFileSync(secretKeyFile, 'utf8').trim(),
        CORRAL_ADMIN_KEY_FILE: adminKeyFile,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(server);
    const exited = new Promise<never>((_, reject) => server.once('exit', (code) => reject(new Error(`the server exited with code ${code}; see the messages above`))));
    await Promise.race([waitForHealthy(url), exited]);
  });

  const adminKey = process.env.CORRAL_ADMIN_KEY ?? readFileSync(adminKeyFile, 'utf8').trim();
  const api = new ApiClient(url, adminKey);
  await progress.step(`creating environment ${DEMO_ENV} (3 etcd members) with a registration token`, async () => {
    const created = await api.request('POST', '/v1/environments', { name: DEMO_ENV, etcd: { members: 3 }, labels: { corral: 'demo' } });
    if (created.status !== 201 && created.status !== 409) throw new Error(`creating ${DEMO_ENV}: ${created.status} ${JSON.stringify(created.body)}`);
  });
  const token = await api.request('POST', `/v1/environments/${DEMO_ENV}/registration-tokens`, { ttl: '1h', maxUses: LOCAL_HOSTS.length });
  await progress.step(`starting ${LOCAL_HOSTS.length} local agents on ${LOCAL_HOSTS.map((h) => h.address).join(', ')}`, async () => {
    for (const host of LOCAL_HOSTS) {
      const stateDir = join(DATA, 'agents', host.name);
      const agent = spawn(
        process.execPath,
        [join(ROOT, 'dist/apps/agent/src/main.js'), '--server', url, '--token', (token.body as { token: string }).token, '--state-dir', stateDir,
          '--bin-dir', join(ROOT, 'tools/kube-stand-ins/bin'), '--address', host.address, '--hostname', host.name, '--stop-components-on-exit'],
        { stdio: ['ignore', openSync(join(DATA, `agent-${host.name}.log`), 'a'), openSync(join(DATA, `agent-${host.name}.log`), 'a')] },
      );
      agents.push(agent);
    }
  });
  await waitForActive(api, progress);
  const kubeconfigFile = join(DATA, `${DEMO_ENV}.kubeconfig`);
  const kubeconfig = await api.request('GET', `/v1/environments/${DEMO_ENV}/kubeconfig`);
  writeFileSync(kubeconfigFile, kubeconfig.body as string, { mode: 0o600 });

  process.stdout.write(
    [
      '',
      `Corral is running at ${url}  (API docs: ${url}/docs)`,
      `Environment ${DEMO_ENV} is active on ${LOCAL_HOSTS.length} local hosts. Its kubeconfig: ${kubeconfigFile}`,
      `  kubectl --kubeconfig ${kubeconfigFile} get nodes`,
      `Admin API key: ${adminKeyFile} (mode 0600)${process.env.CORRAL_ADMIN_KEY ? ' — you set CORRAL_ADMIN_KEY, use that' : ''}`,
      '',
      'Try:',
      `  KEY=$(cat ${adminKeyFile})`,
      `  curl -s -H "Authorization: Bearer $KEY" ${url}/v1/environments/${DEMO_ENV}/events`,
      `  curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"name":"dev"}' ${url}/v1/environments`,
      `  curl -s -H "Authorization: Bearer $KEY" ${url}/v1/environments`,
      `Agent and component logs: ${join(DATA, 'agent-*.log')}, ${join(DATA, 'agents/*/logs')}`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise(() => undefined);
}

/** Shows the environment's events as progress until it is active (or fails). */
async function waitForActive(api: ApiClient, progress: Progress): Promise<void> {
  await progress.step(`waiting for ${DEMO_ENV} to become active`, async () => {
    let lastEventId = '0';
    const deadline = Date.now() + 5 * 60_000;
    while (Date.now() < deadline) {
      try {
        const events = (await api.request('GET', `/v1/environments/${DEMO_ENV}/events?after=${lastEventId}`)).body as { items: Array<{ id: string; reason: string; message: string }> };
        for (const event of events.items) {
          progress.note(`${event.reason}: ${event.message}`);
          lastEventId = event.id;
        }
        const env = (await api.request('GET', `/v1/environments/${DEMO_ENV}`)).body as { state: string; stateReason?: string };
        if (env.state === 'active') return;
        if (env.state === 'error') throw new Error(`${DEMO_ENV} failed: ${env.stateReason}`);
      } catch (err) {
        // a request that failed on the way (a busy machine): ask again
        if ((err as Error).message !== 'fetch failed') throw err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${DEMO_ENV} did not become active within 5 minutes; see ${join(DATA, 'agent-*.log')}`);
  });
}

/** Another server on the port would answer our health checks: say so before starting ours. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} on 127.0.0.1 is in use (another npm start?): stop what listens there, or set CORRAL_PORT` : `port ${port}: ${err.message}`)),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
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
  const progress = new Progress();
  process.stdout.write('\n');
  // agents first, all at once (each stops its components), then the server and Redis
  if (agents.length) await progress.step(`stopping ${agents.length} local agents and their components`, () => stopAll(agents, 30_000));
  if (children.length) await progress.step(`stopping the Corral server${children.length > 1 ? ' and Redis' : ''}`, () => stopAll(children, 10_000));
  if (postgres) await progress.step('stopping embedded PostgreSQL', () => stopAll([postgres!], 30_000));
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch((err) => {
  process.stderr.write(`\ncorral: ${(err as Error).message}\n`);
  void shutdown(1);
});
