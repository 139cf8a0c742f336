import { spawn } from 'node:child_process';

export interface CommandResult {
  /** null when killed by a signal or when it could not start */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one command (no shell) to completion; never rejects for a non-zero exit. */
export type CommandRunner = (argv: readonly string[]) => Promise<CommandResult>;

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_CAPTURE = 1024 * 1024;

/** A command that failed; the message names the command line and carries its stderr. */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    super(describeFailure(argv, result));
  }
}

/** `ip route replace ...` exited 2: Error: Nexthop has invalid gateway. */
export function describeFailure(argv: readonly string[], result: CommandResult): string {
  const stderr = result.stderr
    .split('\n')
    .map((line) => line.trim())
    // iptables-nft says this on every call when legacy tables exist too: not the error
    .filter((line) => line !== '' && !line.startsWith('# Warning:'))
    .join(' / ');
  const status = result.code === null ? 'failed' : `exited ${result.code}`;
  return `\`${formatCommand(argv)}\` ${status}${stderr ? `: ${stderr.slice(0, 500)}` : ''}`;
}

export function formatCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/**
 * The runner the daemon uses. Each command runs in a process group of its own, so a SIGTERM the
 * agent sends to the daemon's group does not cut an `ip` or `iptables` call short while the
 * daemon finishes its sync and removes its rules; a timeout kills the command.
 */
export function processRunner(timeoutMs = DEFAULT_TIMEOUT_MS): CommandRunner {
  return (argv) =>
    new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const timer = setTimeout(() => {
        stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}killed after ${timeoutMs}ms`;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone already
        }
      }, timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        if (stdout.length < MAX_CAPTURE) stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < MAX_CAPTURE) stderr += d.toString();
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ code: null, stdout, stderr: `cannot run ${argv[0]}: ${err.code ?? err.message}` });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
}

/** Runs argv and returns its stdout; throws CommandError when it does not exit 0. */
export async function runChecked(run: CommandRunner, argv: readonly string[]): Promise<string> {
  const result = await run(argv);
  if (result.code !== 0) throw new CommandError(argv, result);
  return result.stdout;
}
