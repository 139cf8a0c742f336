import { FlagError, HelpRequested, parsePodNetworkFlags, type PodNetworkConfig } from './config/pod-network-flags';
import { closeServer, createHealthServer, listen } from './http/health-server';
import { createLogger } from './logger';
import { PodNetwork } from './pod-network';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function main(): Promise<number> {
  let config: PodNetworkConfig;
  try {
    config = parsePodNetworkFlags(process.argv.slice(2));
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.message);
      return EXIT_OK;
    }
    if (err instanceof FlagError) {
      process.stderr.write(`corral-pod-network: ${err.message}\nRun 'corral-pod-network --help' for usage.\n`);
      return EXIT_USAGE;
    }
    throw err;
  }

  const logger = createLogger(config.logLevel);
  const network = new PodNetwork(config, logger);
  const server = createHealthServer(network.health);
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

  const signal = await stopRequested;
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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`corral-pod-network: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
