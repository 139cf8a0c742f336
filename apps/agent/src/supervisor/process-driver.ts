import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { within } from '../util/abortable';
import { readProcStat } from './proc-stat';
import type { RotatingLogFile } from './rotating-log-file';

export interface ExitInfo {
  /** null when killed by a signal, or unknown (an adopted process is not our child) */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A supervised process, started by us or adopted after an agent restart. */
export interface ProcessHandle {
  readonly pid: number;
  /** /proc start time; null only if the process was gone before we could read it */
  readonly startTime: string | null;
  readonly adopted: boolean;
  /** resolves once when the process is gone */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /**
   * SIGTERM to the process group, SIGKILL after graceMs, then SIGKILL to whatever is left in
   * the group. Safe to call after the process exited (only cleans up the group).
   */
  stop(graceMs: number): Promise<ExitInfo>;
  /** Stop watching it and leave it running (agent exit without --stop-components-on-exit). */
  release(): void;
}

export interface LaunchRequest {
  binary: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  log: RotatingLogFile;
}

export interface ProcessDriverOptions {
  /** the only directory binaries are looked up in */
  binDir: string;
  /** how often an adopted process (not our child) is checked for life */
  adoptPollMs?: number;
}

export class BinaryNotFoundError extends Error {}

const KILL_WAIT_MS = 10_000;

/** Runs components as child processes, each the leader of its own process group. */
export class ProcessDriver {
  private readonly adoptPollMs: number;

  constructor(private readonly options: ProcessDriverOptions) {
    this.adoptPollMs = options.adoptPollMs ?? 1000;
  }

  get binDir(): string {
    return this.options.binDir;
  }

  /** Absolute path of an executable named `binary` in --bin-dir, or a BinaryNotFoundError. */
  /**
   * An exec probe's executable: a plain name, or an absolute path directly in --bin-dir (what
   * `${binDir}/<name>` expands to); any other path is refused, so a desired state cannot make the
   * agent run arbitrary host programs as a probe.
   */
  resolveInBinDir(command: string): string {
    if (!command.startsWith('/')) return this.resolveBinary(command);
    if (dirname(resolve(command)) !== resolve(this.options.binDir)) {
      throw new BinaryNotFoundError(`${command} is outside the bin dir ${this.options.binDir}`);
    }
    return this.resolveBinary(basename(resolve(command)));
  }

  resolveBinary(binary: string): string {
    if (!binary || binary.includes('/') || binary === '.' || binary === '..') {
      throw new BinaryNotFoundError(`binary ${JSON.stringify(binary)} must be a plain file name in the bin dir`);
    }
    const path = join(this.options.binDir, binary);
    try {
      if (!statSync(path).isFile()) throw new Error('not a file');
      accessSync(path, constants.X_OK);
    } catch {
      throw new BinaryNotFoundError(`binary ${binary} not found or not executable in ${this.options.binDir}`);
    }
    return path;
  }

  async start(request: LaunchRequest): Promise<ProcessHandle> {
    const path = this.resolveBinary(request.binary);
    const fd = request.log.openForChild();
    let child: ChildProcess;
    try {
      child = spawn(path, request.args, {
        cwd: request.cwd,
        env: request.env,
        // own session and process group: signals go to the whole group, and the process
        // outlives the agent
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } finally {
      closeSync(fd);
    }
    child.unref();
    return new ChildHandle(child);
  }

  /** Watches a process we started before our own restart, if it is still that process. */
  adopt(pid: number, startTime: string): ProcessHandle | null {
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z' || stat.startTime !== startTime) return null;
    return new AdoptedHandle(pid, startTime, stat.pgrp === pid, this.adoptPollMs);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals, groupLeader = true): void {
  try {
    process.kill(groupLeader ? -pid : pid, signal);
  } catch {
    // ESRCH: nothing left to signal
  }
}

async function stopGracefully(handle: ProcessHandle, graceMs: number, groupLeader: boolean): Promise<ExitInfo> {
  if (!handle.hasExited()) {
    signalGroup(handle.pid, 'SIGTERM', groupLeader);
    if ((await within(handle.exited, graceMs)) === undefined) {
      signalGroup(handle.pid, 'SIGKILL', groupLeader);
      await within(handle.exited, KILL_WAIT_MS);
    }
  }
  // children the leader left behind would hold ports and block the next start
  if (groupLeader) signalGroup(handle.pid, 'SIGKILL');
  return (await within(handle.exited, 0)) ?? { code: null, signal: 'SIGKILL' };
}

class ChildHandle implements ProcessHandle {
  readonly pid: number;
  readonly startTime: string | null;
  readonly adopted = false;
  readonly exited: Promise<ExitInfo>;
  private done = false;

  constructor(private readonly child: ChildProcess) {
    this.pid = child.pid!;
    this.startTime = readProcStat(this.pid)?.startTime ?? null;
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        this.done = true;
        resolve({ code, signal });
      };
      if (child.exitCode !== null || child.signalCode !== null) finish(child.exitCode, child.signalCode);
      else child.once('exit', finish);
    });
  }

  hasExited(): boolean {
    return this.done;
  }

  stop(graceMs: number): Promise<ExitInfo> {
    return stopGracefully(this, graceMs, true);
  }

  release(): void {
    this.child.removeAllListeners('exit');
  }
}

/**
 * A process from an earlier agent life. It is not our child, so we learn of its death by
 * polling: gone, a zombie, or a different start time (pid reused) all mean it exited.
 */
class AdoptedHandle implements ProcessHandle {
  readonly adopted = true;
  readonly exited: Promise<ExitInfo>;
  private done = false;
  private timer: NodeJS.Timeout | null = null;
  private resolveExit!: (info: ExitInfo) => void;

  constructor(
    readonly pid: number,
    readonly startTime: string,
    private readonly groupLeader: boolean,
    private readonly pollMs: number,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    this.schedule(pollMs);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), ms);
  }

  private poll(): void {
    this.timer = null;
    if (this.done) return;
    const stat = readProcStat(this.pid);
    if (!stat || stat.state === 'Z' || stat.startTime !== this.startTime) {
      this.done = true;
      this.resolveExit({ code: null, signal: null });
      return;
    }
    this.schedule(this.pollMs);
  }

  hasExited(): boolean {
    return this.done;
  }

  async stop(graceMs: number): Promise<ExitInfo> {
    // while stopping, look more often so a quick exit is seen quickly
    const fastPoll = setInterval(() => this.poll(), 100);
    try {
      return await stopGracefully(this, graceMs, this.groupLeader);
    } finally {
      clearInterval(fastPoll);
    }
  }

  release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
