import type { KubeConfig } from '@kubernetes/client-node';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { ControllerConfig } from './config/controller-flags';
import { LoadBalancer } from './haproxy/load-balancer';
import { createHealthServer } from './http/health-server';
import { closeServer, listen } from './http/listen';
import { createTrafficServer } from './http/traffic-server';
import { IngressRuleTable } from './rules/ingress-rule-table';
import { StatusPublisher } from './status/status-publisher';
import { IngressWatcher, type IngressWatcherOptions } from './watch/ingress-watcher';

/**
 * Owns everything the controller runs: the rule table, the Ingress watcher, the health listener
 * and the traffic path: HAProxy (with --haproxy) or the rules-only answering listener.
 */
export class IngressController {
  readonly table: IngressRuleTable;
  private readonly watcher: IngressWatcher;
  private readonly healthServer: Server;
  private readonly trafficServer: Server | null;
  private readonly loadBalancer: LoadBalancer | null;
  private readonly statusPublisher: StatusPublisher | null = null;
  private failWith: (reason: string) => void = () => undefined;
  /** resolves with the reason when the controller cannot go on (HAProxy exited) */
  readonly failed = new Promise<string>((resolve) => (this.failWith = resolve));

  constructor(
    private readonly config: ControllerConfig,
    kubeConfig: KubeConfig,
    private readonly logger: Logger,
    watcherOptions: IngressWatcherOptions = {},
  ) {
    this.table = new IngressRuleTable(config.ingressClass);
    this.watcher = new IngressWatcher(kubeConfig, this.table, logger, watcherOptions);
    if (config.haproxy && config.runDir) {
      this.trafficServer = null;
      const listenOn = { bindAddress: config.bindAddress, httpPort: config.httpPort, httpsPort: config.httpsPort, runDir: config.runDir };
      this.loadBalancer = new LoadBalancer(kubeConfig, this.table, { ...listenOn, haproxyBinary: config.haproxy, onHaproxyExit: (reason) => this.failWith(reason) }, logger);
      this.table.onChange(() => this.loadBalancer!.requestSync());
      // status lists the addresses instances serve on; an unspecified bind address names none
      if (!['0.0.0.0', '::'].includes(config.bindAddress)) {
        const lb = this.loadBalancer;
        // each instance routes only the Ingresses assigned to it among the live instances (corral.dev/scale)
        const onLiveInstances = (live: string[]) => this.table.setInstances(config.bindAddress, live);
        this.statusPublisher = new StatusPublisher(kubeConfig, { address: config.bindAddress, ingressClass: config.ingressClass, serving: () => lb.serving(), onLiveInstances }, logger);
      }
    } else {
      this.loadBalancer = null;
      this.trafficServer = createTrafficServer(this.table, this.watcher);
    }
    // With HAProxy, healthy (and so IngressReady) exactly while it serves: a lost apiserver link
    // leaves it serving the last configuration, and restarting it would only stop the traffic
    // until an apiserver answers again. Without HAProxy, healthy while the watch is connected.
    const lb = this.loadBalancer;
    const health = {
      status: () => {
        const status = this.watcher.status();
        if (!lb) return status;
        if (!lb.serving()) return { ...status, healthy: false, reason: status.healthy ? 'haproxy not started yet: waiting for Services, EndpointSlices and Secrets to be listed' : status.reason };
        return status.healthy ? status : { ...status, healthy: true, reason: `haproxy serves its last configuration; ${status.reason}` };
      },
    };
    this.healthServer = createHealthServer(health, this.table);
  }

  /** Binds the listeners (rejects when one cannot bind), then starts watching. */
  async start(): Promise<void> {
    const { bindAddress, healthzPort, httpPort, httpsPort } = this.config;
    await listen(this.healthServer, 'healthz', bindAddress, healthzPort);
    if (this.trafficServer) {
      await listen(this.trafficServer, 'http', bindAddress, httpPort);
      this.logger.info(
        { bindAddress, healthzPort, httpPort, httpsPort, ingressClass: this.config.ingressClass },
        `listening on ${bindAddress}: health :${healthzPort}, http :${httpPort} (answers 404/503, no proxying without --haproxy); https :${httpsPort} is not served (no TLS termination yet)`,
      );
    } else {
      this.logger.info({ bindAddress, healthzPort, httpPort, httpsPort, haproxy: this.config.haproxy, runDir: this.config.runDir }, `health :${healthzPort}; HAProxy serves http ${bindAddress}:${httpPort} (and https :${httpsPort} once an Ingress has a tls Secret) after Services, EndpointSlices and Secrets are listed`);
      this.loadBalancer!.start();
      this.statusPublisher?.start();
    }
    this.watcher.start();
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    await this.statusPublisher?.stop();
    await this.loadBalancer?.stop();
    await Promise.all([this.trafficServer ? closeServer(this.trafficServer) : undefined, closeServer(this.healthServer)]);
  }
}
