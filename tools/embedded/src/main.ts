// `npm start`: Corral's main job on embedded defaults, for a first look on one machine.
import { spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Progress } from './progress';
import { startEmbeddedPostgres, StartedPostgres } from './embedded-postgres';
import { findOnPath, redisAnswers, startRedisServer } from './local-redis';

const ROOT = resolve(__dirname, '../../../..');
const DATA = join(ROOT, '.corral');
const PORT = Number(process.env.CORRAL_PORT ?? 8080);
const EMBEDDED_PG_PORT = 54329;
const EMBEDDED_REDIS_PORT = 56379;

const children: ChildProcess[] = [];
let postgres: StartedPostgres | null = null;

async function main(): Promise<void> {
  const progress = new Progress();
  // traversable (not listable) so the embedded PostgreSQL's own system user can reach its data dir
  mkdirSync(DATA, { recursive: true, mode: 0o711 });
  chmodSync(DATA, 0o711);

  const databaseUrl =
    process.env.DATABASE_URL ??
    (await progress.step(`starting embedded PostgreSQL (data in ${join(DATA, 'postgres')})`, async () => {
      postgres = await startEmbeddedPostgres(DATA, EMBEDDED_PG_PORT);
      return postgres.url;
    }));

  const redisUrl = await progress.step('finding Redis', async () => {
    if (process.env.REDIS_URL) return process.env.REDIS_URL;
    if (await redisAnswers('127.0.0.1', 6379)) return 'redis://127.0.0.1:6379';
    const binary = findOnPath('redis-server');
    if (!binary) {
      throw new Error('no Redis answers on 127.0.0.1:6379 and no redis-server is on PATH: install one (Debian: apt-get install redis-server) or set REDIS_URL');
    }
    children.push(await startRedisServer(binary, EMBEDDED_REDIS_PORT));
    return `redis://127.0.0.1:${EMBEDDED_REDIS_PORT}`;
  });

  const secretKeyFile = join(DATA, 'secret-key');
  if (!existsSync(secretKeyFile)) writeFileSync(secretKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const adminKeyFile = join(DATA, 'admin-key');
  const url = `http://127.0.0.1:${PORT}`;

  await progress.step(`starting the Corral server on ${url}`, async () => {
    const server = spawn(process.execPath, [join(ROOT, 'dist/apps/server/src/main.js')], {
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

  process.stdout.write(
    [
      '',
      `Corral is running at ${url}  (API docs: ${url}/docs)`,
      `Admin API key: ${adminKeyFile} (mode 0600)${process.env.CORRAL_ADMIN_KEY ? ' — you set CORRAL_ADMIN_KEY, use that' : ''}`,
      '',
      'Try:',
      `  KEY=$(cat ${adminKeyFile})`,
      `  curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"name":"dev"}' ${url}/v1/environments`,
      `  curl -s -H "Authorization: Bearer $KEY" ${url}/v1/environments`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise(() => undefined);
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

async function shutdown(code: number): Promise<never> {
  for (const child of children.reverse()) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await (postgres as StartedPostgres | null)?.stop().catch(() => undefined);
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch((err) => {
  process.stderr.write(`\ncorral: ${(err as Error).message}\n`);
  void shutdown(1);
});
