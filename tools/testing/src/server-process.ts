import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO, ensureTestTls, freePort, trustTestCa } from '@corral/test-hosts';
import { dropServerIsolation, isolatedServerEnv } from './server-isolation';

export interface ServerProcess {
  /** https://127.0.0.1:<port>, for the bench itself (this process trusts the server's CA) */
  url: string;
  port: number;
  /**
   * The URL agents on test hosts use: https://<address>:<port> (e.g. a HostHarness's
   * serverAddress); needs the server started with CORRAL_BIND_ADDRESS 0.0.0.0.
   */
  urlFor(address: string): string;
  /** what a second replica needs to join the same deployment */
  deployment: Record<string, string>;
  adminKey: string;
  process: ChildProcess;
  /** kills the server process (e.g. SIGKILL in a crash test) and waits for it to go */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** starts it again with the same database schema, Redis prefix, port and keys */
  restart(): Promise<void>;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * The real server (dist build) as its own process, on a throwaway PostgreSQL schema and Redis
 * prefix, so a bench measures the product as deployed and leaves nothing behind.
 */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  // HTTPS like every deployment: the test CA and certificate (tools/hosts), trusted by this process
  const tls = await ensureTestTls();
  trustTestCa();
  // a second replica of the same deployment passes the first one's schema, prefix and keys
  const isolated = isolatedServerEnv({ label: 'bench', tls, port }, env);
  const serverEnv = { ...process.env, ...isolated };
  const adminKey = isolated.CORRAL_ADMIN_KEY;
  // BENCH_SERVER_NODE_ARGS, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof, to see where the server's time goes
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const launch = () => spawn(process.execPath, [...nodeArgs, join(REPO, 'dist/apps/server/src/main.js')], { env: serverEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  let child = launch();
  const url = `https://127.0.0.1:${port}`;
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // YAML or text
    }
    return { status: res.status, body: parsed as any };
  };
  const waitHealthy = async () => {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
      try {
        if ((await fetch(`${url}/healthz`)).ok) return;
      } catch {
        // not up yet
      }
      if (i > 300) throw new Error('server did not become healthy within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await new Promise((r) => child.once('exit', r));
  };
  await waitHealthy();
  return {
    url,
    port,
    urlFor: (address: string) => {
      if (isolated.CORRAL_BIND_ADDRESS !== '0.0.0.0' && isolated.CORRAL_BIND_ADDRESS !== address) {
        throw new Error(`the bench server listens on ${isolated.CORRAL_BIND_ADDRESS} only: start it with CORRAL_BIND_ADDRESS 0.0.0.0 for hosts to reach it on ${address}`);
      }
      return `https://${address}:${port}`;
    },
    adminKey,
    deployment: {
      CORRAL_DB_SCHEMA: isolated.CORRAL_DB_SCHEMA,
      CORRAL_REDIS_PREFIX: isolated.CORRAL_REDIS_PREFIX,
      CORRAL_ADMIN_KEY: adminKey,
      CORRAL_SECRET_KEY: isolated.CORRAL_SECRET_KEY,
      CORRAL_SNAPSHOT_DIR: isolated.CORRAL_SNAPSHOT_DIR,
    },
    get process() {
      return child;
    },
    request,
    kill,
    async restart() {
      child = launch();
      await waitHealthy();
    },
    /** stops this process; `keepData` leaves the schema for other replicas still running */
    async stop(options: { keepData?: boolean } = {}) {
      await kill('SIGTERM');
      if (options.keepData) return;
      await dropServerIsolation({ schema: isolated.CORRAL_DB_SCHEMA, redisPrefix: isolated.CORRAL_REDIS_PREFIX, snapshotDir: isolated.CORRAL_SNAPSHOT_DIR });
    },
  };
}
