import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { runStandIn } from '../common/run-stand-in';
import { CONTAINERD_FLAGS } from '../common/upstream-flags';
import { grpcAddressFromConfig } from './containerd-socket';

/**
 * Stand-in for containerd (test infrastructure): listens on the gRPC socket its config or
 * --address names, so the kubelet stand-in's dependency and the `ctr version` probe have a
 * runtime to find. It runs no containers; the real-binaries tier runs the real containerd.
 */
void runStandIn('containerd', CONTAINERD_FLAGS, process.argv.slice(2), process.env.CONTAINERD_STAND_IN_VERSION ?? 'v2.2.9', async ({ flags, log }) => {
  const configPath = flags.str('config');
  const address = flags.str('address') || grpcAddressFromConfig(readFileSync(configPath, 'utf8')) || '/run/containerd/containerd.sock';
  mkdirSync(dirname(address), { recursive: true });
  rmSync(address, { force: true });
  const server: Server = createServer((socket) => socket.end());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, resolve);
  });
  log.info(`serving on ${address}`);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(address, { force: true });
      }),
  };
});
