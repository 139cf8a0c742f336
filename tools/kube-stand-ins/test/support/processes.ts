import { ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

// also when compiled into dist/ (the ingress bench runs this harness from there)
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..').replace(/\/dist$/, '');
export const BIN_DIR = join(REPO_ROOT, 'tools', 'kube-stand-ins', 'bin');
export const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');

/** A port that was free a moment ago on the given address. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Managed {
  proc: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<Managed>();

/** Starts a process in its own process group with output to a log file. */
export function startProcess(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Managed {
  const fd = openSync(logFile, 'a');
  const proc = spawn(command, args, { stdio: ['ignore', fd, fd], detached: true, env });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const managed: Managed = {
    proc,
    logFile,
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(-proc.pid!, signal);
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-proc.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(managed);
      return exited;
    },
  };
  running.add(managed);
  return managed;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((m) => m.stop()));
}

/** Polls until fn returns true (bounded by timeoutMs). */
export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 20_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

export interface EtcdInstance {
  url: string;
  managed: Managed;
  dataDir: string;
}

/** Real etcd with client TLS (client-cert-auth) on a free port. */
export async function startEtcd(dir: string, tls: { ca: string; cert: string; key: string }, dataDir = join(dir, 'etcd-data'), ports?: { client: number; peer: number }): Promise<EtcdInstance> {
  const client = ports?.client ?? (await freePort());
  const peer = ports?.peer ?? (await freePort());
  const url = `https://127.0.0.1:${client}`;
  const managed = startProcess(
    '/usr/bin/etcd',
    [
      '--name=test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=test=http://127.0.0.1:${peer}`,
      `--cert-file=${tls.cert}`,
      `--key-file=${tls.key}`,
      `--trusted-ca-file=${tls.ca}`,
      '--client-cert-auth',
      '--log-level=warn',
      '--logger=zap',
    ],
    join(dir, 'etcd.log'),
  );
  return { url, managed, dataDir };
}
