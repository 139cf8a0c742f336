import { EXIT_FAILURE, EXIT_OK, runCommand, stopRequested } from '@corral/daemon';
import { parsePodNetworkFlags, type PodNetworkConfig } from './config/pod-network-flags';
import { closeServer, createHealthServer, listen } from './http/health-server';
import { createLogger } from './logger';
import { PodNetwork } from './pod-network';

async function main(config: PodNetworkConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  const network = new PodNetwork(config, logger);
  const server = createHealthServer(network.health);
  const stop = stopRequested();
  // the listener first: a port that is taken stops us before we touch the network
  try {
    await listen(server, config.bindAddress, config.healthzPort);
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'cannot start');
    return EXIT_FAILURE;
  }
  const { clusterCidr, nodeCidr, routes, bindAddress, healthzPort, resyncPeriodMs, iptables } = config;
  logger.info({ clusterCidr, nodeCidr, routes: routes.length, bindAddress, healthzPort, resyncPeriodMs, iptables }, `starting; health on ${bindAddress}:${healthzPort}`);
  network.start();

  const signal = await stop;
  logger.info({ signal }, 'stopping: removing routes and iptables rules');
  const errors = await network.stop();
  await closeServer(server);
  if (errors.length > 0) {
    logger.error({ errors }, 'stopped, but could not remove everything');
    return EXIT_FAILURE;
  }
  logger.info('stopped');
  return EXIT_OK;
}

void runCommand('corral-pod-network', parsePodNetworkFlags, main);
