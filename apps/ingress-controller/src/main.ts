import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCommand, stopRequested } from '@corral/daemon';
import { parseControllerFlags, type ControllerConfig } from './config/controller-flags';
import { KubeconfigError, loadKubeconfig } from './config/load-kubeconfig';
import { IngressController } from './ingress-controller';
import { createLogger } from './logger';

async function main(config: ControllerConfig): Promise<number> {
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
  const stop = stopRequested();
  try {
    await controller.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'cannot start');
    await controller.stop();
    return EXIT_FAILURE;
  }
  const outcome = await Promise.race([stop.then((signal) => ({ signal })), controller.failed.then((reason) => ({ reason }))]);
  if ('reason' in outcome) {
    logger.fatal({ reason: outcome.reason }, 'stopping: the load balancer cannot serve');
    await controller.stop();
    return EXIT_FAILURE;
  }
  logger.info({ signal: outcome.signal }, 'stopping');
  await controller.stop();
  logger.info('stopped');
  return EXIT_OK;
}

void runCommand('corral-ingress-controller', parseControllerFlags, main);
