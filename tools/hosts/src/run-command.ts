import { spawn, spawnSync } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  /** extra variables added to the inherited environment */
  env?: Record<string, string>;
  input?: string;
  /** called with the child's pid right after it is spawned */
  onSpawn?: (pid: number) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_CAPTURE = 4 * 1024 * 1024;

/**
 * Runs argv to completion. The child gets its own process group so a timeout kills
 * everything it started, not just the first process. Never rejects for a non-zero exit.
 */
export function runCommand(argv: string[], opts: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      detached: true,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ? { ...process.env, ...opts.env } : undefined,
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => {
      if (stdout.length < MAX_CAPTURE) stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += d.toString();
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Like runCommand but rejects unless the command exits 0. */
export async function runChecked(argv: string[], opts: RunOptions = {}): Promise<string> {
  const r = await runCommand(argv, opts);
  if (r.code !== 0) throw new CommandError(argv, r);
  return r.stdout;
}

/** Synchronous variant for exit handlers, where no event loop turn is left. */
export function runSync(argv: string[], timeoutMs = DEFAULT_TIMEOUT_MS): CommandResult {
  const r = spawnSync(argv[0], argv.slice(1), { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' });
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? (r.error ? String(r.error) : ''),
    timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
  };
}

export function runSyncChecked(argv: string[], timeoutMs = DEFAULT_TIMEOUT_MS): string {
  const r = runSync(argv, timeoutMs);
  if (r.code !== 0) throw new CommandError(argv, r);
  return r.stdout;
}

export function killGroup(pid: number | undefined, signal: NodeJS.Signals): boolean {
  if (!pid) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: CommandResult,
  ) {
    const why = result.timedOut ? 'timed out' : `exited ${result.code ?? result.signal}`;
    super(`${argv.join(' ')} ${why}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'CommandError';
  }
}
