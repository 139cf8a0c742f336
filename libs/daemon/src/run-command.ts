import { FlagError, HelpRequested } from './flags';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** a second SIGTERM or SIGINT while stopping */
export const EXIT_INTERRUPTED = 130;

/**
 * A daemon's entry point. Parses argv with parse: --help (HelpRequested) prints the usage on
 * stdout and exits 0; a FlagError prints "<command>: <message>" and a --help hint on stderr and
 * exits 2. Else runs main with the configuration and exits with the code it returns. Anything
 * thrown is printed with its stack on stderr ("<command>: ..."), exit 1.
 */
export function runCommand<T>(
  command: string,
  parse: (argv: readonly string[]) => T,
  main: (config: T) => Promise<number>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  const run = async (): Promise<number> => {
    let config: T;
    try {
      config = parse(argv);
    } catch (err) {
      if (err instanceof HelpRequested) {
        process.stdout.write(err.message);
        return EXIT_OK;
      }
      if (err instanceof FlagError) {
        process.stderr.write(`${command}: ${err.message}\nRun '${command} --help' for usage.\n`);
        return EXIT_USAGE;
      }
      throw err;
    }
    return main(config);
  };
  return run().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${command}: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(EXIT_FAILURE);
    },
  );
}

/**
 * Handles SIGTERM and SIGINT from now on: resolves with the first; a second one exits at once
 * (130), for a stop that hangs.
 */
export function stopRequested(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    let signals = 0;
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        signals += 1;
        if (signals > 1) process.exit(EXIT_INTERRUPTED);
        resolve(signal);
      });
    }
  });
}
