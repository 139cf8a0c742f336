import { ChildProcess } from 'node:child_process';
import { killGroup } from './run-command';
import type { TestHost } from './test-host';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What started a process, kept so the harness can start it again. */
export interface ProcessSpec {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  logFile: string;
  name: string;
}

/**
 * A process started inside a test host's namespace, in its own process group.
 * Signals go to that group; processes that moved to other groups (components an agent
 * supervises) survive, as they would when a real agent crashes. Use `killAll` on the
 * harness to empty a whole namespace.
 */
export class HostProcess {
  readonly pid: number;
  private exit: ProcessExit | null = null;
  private readonly exited: Promise<ProcessExit>;

  constructor(
    readonly host: TestHost,
    readonly spec: ProcessSpec,
    child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      const done = (exit: ProcessExit) => {
        if (this.exit) return;
        this.exit = exit;
        resolve(exit);
      };
      child.on('exit', (code, signal) => done({ code, signal }));
      child.on('error', () => done({ code: null, signal: null }));
    });
    if (child.pid === undefined) throw new Error(`failed to start ${spec.argv.join(' ')} in ${host.namespace}`);
    this.pid = child.pid;
  }

  get logFile(): string {
    return this.spec.logFile;
  }

  get running(): boolean {
    return this.exit === null;
  }

  get exitStatus(): ProcessExit | null {
    return this.exit;
  }

  /** Signals the process group (SIGTERM by default). Returns false if it had already exited. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exit) return false;
    return killGroup(this.pid, signal);
  }

  /** Resolves when the process exits; rejects after timeoutMs if given. */
  wait(timeoutMs?: number): Promise<ProcessExit> {
    if (timeoutMs === undefined) return this.exited;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.spec.name} (pid ${this.pid}) still running after ${timeoutMs}ms`)),
        timeoutMs,
      );
      void this.exited.then((e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 2000): Promise<ProcessExit> {
    if (this.exit) return this.exit;
    this.kill('SIGTERM');
    try {
      return await this.wait(graceMs);
    } catch {
      this.kill('SIGKILL');
      return this.wait(5000);
    }
  }
}
