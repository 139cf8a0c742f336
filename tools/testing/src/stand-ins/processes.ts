import { ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, freePort, REPO } from '@corral/test-hosts';

export const REPO_ROOT = REPO;
export const BIN_DIR = join(REPO_ROOT, 'tools', 'kube-stand-ins', 'bin');
export const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');

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

/** Polls until fn returns true (eventually, with the stand-in tests' argument order). */
export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 20_000, intervalMs = 200): Promise<void> {
  await eventually(fn, { what, timeoutMs, intervalMs });
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
