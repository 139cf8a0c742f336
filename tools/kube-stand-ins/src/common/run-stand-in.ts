import { FlagDef, FlagError, flagUsage, ParsedFlags, parseFlags } from './flag-parser';
import { createLogger, Logger } from './logger';

export interface StandInContext {
  flags: ParsedFlags;
  log: Logger;
  /** reported by /version and in node status, e.g. v1.32.0 */
  version: string;
}

export interface RunningStandIn {
  close(): Promise<void>;
}

export const DEFAULT_KUBE_VERSION = 'v1.36.3';

/**
 * Entry-point plumbing shared by every stand-in: upstream-style flag errors (exit 1),
 * --help, --version, and an orderly shutdown on SIGTERM/SIGINT.
 */
export async function runStandIn(
  command: string,
  defs: readonly FlagDef[],
  argv: readonly string[],
  version: string,
  start: (ctx: StandInContext) => Promise<RunningStandIn>,
): Promise<void> {
  let flags: ParsedFlags;
  try {
    flags = parseFlags(command, defs, argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`Error: ${e.message}\nRun '${command} --help' for usage.\n`);
    process.exit(1);
  }
  if (flags.help) {
    process.stdout.write(flagUsage(command, defs));
    process.exit(0);
  }
  if (flags.version) {
    process.stdout.write(`Kubernetes ${version}\n`);
    process.exit(0);
  }
  const log = createLogger(command, flags.int('v'));
  let running: RunningStandIn;
  try {
    running = await start({ flags, log, version });
  } catch (e) {
    log.error(`${command} failed to start: ${(e as Error).message}`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`received ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (e) => {
        log.error(`shutdown: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
