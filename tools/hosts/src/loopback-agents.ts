import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverTrustArgs } from './agent-command';
import { onProcessExit } from './exit-cleanup';
import { repoRoot } from './repo-root';

/** The repository root: works from src/ (ts-jest, swc) and from dist/. */
export const REPO = repoRoot();
export const STAND_IN_BIN = join(REPO, 'tools/kube-stand-ins/bin');

export interface LocalAgent {
  name: string;
  address: string;
  stateDir: string;
  logFile: string;
  process: ChildProcess;
}

/**
 * Agents on loopback addresses of this machine (127.x.y.z are all local on Linux), each with its
 * own state dir: several hosts without namespaces or root. Random 127.x.y prefix per run so
 * parallel runs never clash on ports.
 */
export function startLoopbackAgents(
  count: number,
  options: { server: string; token: string; extraArgs?: string[]; /** per agent: more flags, another --bin-dir */ perAgent?: (i: number) => { extraArgs?: string[]; binDir?: string } },
) {
  const prefix = `127.${10 + Math.floor(Math.random() * 200)}.${1 + Math.floor(Math.random() * 250)}`;
  const root = mkdtempSync(join(tmpdir(), 'corral-agents-'));
  const agents: LocalAgent[] = [];
  const start = (i: number): LocalAgent => {
    const name = `node-${i + 1}`;
    const address = `${prefix}.${i + 2}`;
    const stateDir = join(root, name);
    const logFile = join(root, `${name}.log`);
    const own = options.perAgent?.(i) ?? {};
    const child = spawn(
      join(REPO, 'bin/corral-agent'),
      ['--server', options.server, ...serverTrustArgs(options.server), '--token', options.token, '--state-dir', stateDir, '--bin-dir', own.binDir ?? STAND_IN_BIN, '--address', address, '--hostname', name, '--heartbeat-interval', '2s', ...(options.extraArgs ?? []), ...(own.extraArgs ?? [])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return { name, address, stateDir, logFile, process: child };
  };
  for (let i = 0; i < count; i++) agents.push(start(i));
  // an interrupted run (a signal, or exit before afterAll) leaves no component behind either
  const forget = onProcessExit(() => killProcessesUnder(root));
  return {
    root,
    agents,
    /** restarts agent i (same state dir) */
    restart(i: number) {
      agents[i] = { ...start(i) };
      return agents[i];
    },
    async stopAll(options: { components?: boolean } = {}) {
      for (const agent of agents) agent.process.kill('SIGTERM');
      await Promise.all(agents.map((a) => (a.process.exitCode === null ? new Promise((r) => a.process.once('exit', r)) : null)));
      if (options.components !== false) killProcessesUnder(root);
    },
    cleanup() {
      forget();
      killProcessesUnder(root);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * The processes of a run below `dir`: those whose command line names it, and those running in
 * it (their working directory is below it), as every component an agent starts does. The
 * second finds components whose flags name no path of the state dir, such as pod-network's.
 */
function processesBelow(dir: string): Array<{ pid: number; args: string }> {
  const { readdirSync, readFileSync, readlinkSync } = require('node:fs') as typeof import('node:fs');
  const found: Array<{ pid: number; args: string }> = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    let args: string;
    let cwd = '';
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue; // gone
    }
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // gone, or a zombie
    }
    if (args.includes(dir) || cwd === dir || cwd.startsWith(`${dir}/`)) found.push({ pid, args });
  }
  return found;
}

/** Kills every process of the run below the directory (components left running, see processesBelow). */
export function killProcessesUnder(dir: string): number[] {
  const pids = processesBelow(dir).map((p) => p.pid);
  for (const pid of pids) {
    // components lead their own process group: what they started goes with them
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or already gone
      }
    }
  }
  return pids;
}

/**
 * A --bin-dir with every stand-in except `binary`, which prints `lines` to stderr and exits 1
 * at once: a component that crash-loops, for failure paths.
 */
export function binDirWithBroken(dir: string, binary: string, lines: string[]): string {
  const { mkdirSync, readdirSync, symlinkSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(STAND_IN_BIN)) if (name !== binary) symlinkSync(join(STAND_IN_BIN, name), join(dir, name));
  const script = ['#!/bin/sh', ...lines.map((l) => `echo '${l.replace(/'/g, '')}' >&2`), 'exit 1', ''].join('\n');
  writeFileSync(join(dir, binary), script, { mode: 0o755 });
  return dir;
}

/** "<pid> <command line>" of every process of the run below the directory (see processesBelow). */
export function processesUnder(dir: string): string[] {
  return processesBelow(dir).map((p) => `${p.pid} ${p.args}`);
}
