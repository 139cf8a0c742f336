import type { KubeConfig } from '@kubernetes/client-node';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { ControllerConfig } from './config/controller-flags';
import { createHealthServer } from './http/health-server';
import { closeServer, listen } from './http/listen';
import { createTrafficServer } from './http/traffic-server';
import { IngressRuleTable } from './rules/ingress-rule-table';
import { IngressWatcher, type IngressWatcherOptions } from './watch/ingress-watcher';

/** Owns everything the controller runs: the rule table, the Ingress watcher and the listeners. */
export class IngressController {
  readonly table: IngressRuleTable;
  private readonly watcher: IngressWatcher;
  private readonly healthServer: Server;
  private readonly trafficServer: Server;

  constructor(
    private readonly config: ControllerConfig,
    kubeConfig: KubeConfig,
    private readonly logger: Logger,
    watcherOptions: IngressWatcherOptions = {},
  ) {
    this.table = new IngressRuleTable(config.ingressClass);
    this.watcher = new IngressWatcher(kubeConfig, this.table, logger, watcherOptions);
    this.healthServer = createHealthServer(this.watcher, this.table);
    this.trafficServer = createTrafficServer(this.table, this.watcher);
  }

  /** Binds the listeners (rejects when one cannot bind), then starts watching Ingresses. */
  async start(): Promise<void> {
    const { bindAddress, healthzPort, httpPort, httpsPort } = this.config;
    await listen(this.healthServer, 'healthz', bindAddress, healthzPort);
    await listen(this.trafficServer, 'http', bindAddress, httpPort);
    this.logger.info(
      { bindAddress, healthzPort, httpPort, httpsPort, ingressClass: this.config.ingressClass },
      `listening on ${bindAddress}: health :${healthzPort}, http :${httpPort} (answers 404/503, no proxying yet); https :${httpsPort} is not served (no TLS termination yet)`,
    );
    this.watcher.start();
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    await Promise.all([closeServer(this.trafficServer), closeServer(this.healthServer)]);
  }
}
