import { KubeClient, readKubeconfig } from '../common/kube-client';
import { ApiserverReachability } from '../common/apiserver-reachability';
import type { RunningStandIn, StandInContext } from '../common/run-stand-in';
import { startSecureHealthServer } from './secure-health-server';

export interface ControllerLoop {
  start(): void;
  stop(): Promise<void>;
}

/**
 * What kube-scheduler and kube-controller-manager share here: a client from the kubeconfig,
 * apiserver reachability behind /healthz on the secure port, optional controller loops.
 */
export async function runControlPlaneComponent(
  component: string,
  { flags, log }: StandInContext,
  kubeconfigPath: string,
  loops: (client: KubeClient) => ControllerLoop[] = () => [],
): Promise<RunningStandIn> {
  if (!kubeconfigPath) throw new Error('invalid configuration: no configuration has been provided, try setting --kubeconfig');
  const client = new KubeClient(readKubeconfig(kubeconfigPath));
  const reachability = new ApiserverReachability(client, log);
  await reachability.check();
  reachability.start();
  const port = flags.int('secure-port');
  const server =
    port > 0
      ? await startSecureHealthServer({
          component,
          bindAddress: flags.str('bind-address'),
          port,
          certFile: flags.str('tls-cert-file'),
          keyFile: flags.str('tls-private-key-file'),
          certDir: flags.str('cert-dir'),
          clientCaFile: flags.str('client-ca-file'),
          publicPaths: flags.list('authorization-always-allow-paths'),
          checks: [{ name: 'apiserver-reachability', ok: () => reachability.healthy }],
          log,
        })
      : undefined;
  const running = loops(client);
  for (const l of running) l.start();
  return {
    async close() {
      await Promise.all(running.map((l) => l.stop()));
      await reachability.stop();
      await server?.close();
      client.close();
    },
  };
}
