import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { MetricsService } from './metrics.service';

/**
 * /metrics without a key on its own port (CORRAL_METRICS_PORT), for a Prometheus that reaches
 * only that port (keep it off public networks: it answers anyone who can connect). Without the
 * setting, /metrics is served on the API port to API keys only.
 */
@Injectable()
export class MetricsPort implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsPort.name);
  private server: Server | null = null;

  constructor(
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** the port it listens on (CORRAL_METRICS_PORT=0 picks a free one), or null */
  get port(): number | null {
    return (this.server?.address() as AddressInfo | null)?.port ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.limits.metricsPort === null) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n');
        return;
      }
      this.metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text))
        .catch((err: Error) => {
          this.logger.warn(`metrics: ${err.message}`);
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
        });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.limits.metricsPort!, this.config.bindAddress, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${this.config.bindAddress}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }
}
