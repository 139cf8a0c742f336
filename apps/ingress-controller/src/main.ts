import { FlagError, HelpRequested, parseControllerFlags, type ControllerConfig } from './config/controller-flags';
import { KubeconfigError, loadKubeconfig } from './config/load-kubeconfig';
import { IngressController } from './ingress-controller';
import { createLogger } from './logger';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function main(): Promise<number> {
  let config: ControllerConfig;
  try {
    config = parseControllerFlags(process.argv.slice(2));
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.message);
      return EXIT_OK;
    }
    if (err instanceof FlagError) {
      process.stderr.write(`corral-ingress-controller: ${err.message}\nRun 'corral-ingress-controller --help' for usage.\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  let kubeConfig;
  try {
    kubeConfig = loadKubeconfig(config.kubeconfig);
  } catch (err) {
    if (err instanceof KubeconfigError) {
      process.stderr.write(`corral-ingress-controller: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }

  const logger = createLogger(config.logLevel);
  const controller = new IngressController(config, kubeConfig, logger);
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    let signals = 0;
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        signals += 1;
        if (signals > 1) process.exit(130);
        resolve(signal);
      });
    }
  });
  try {
    await controller.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'cannot start');
    await controller.stop();
    return EXIT_FAILURE;
  }
  const signal = await stopRequested;
  logger.info({ signal }, 'stopping');
  await controller.stop();
  logger.info('stopped');
  return EXIT_OK;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`corral-ingress-controller: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
