import { Injectable } from '@nestjs/common';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JobsQueue } from '../queue/jobs-queue.service';

/** The server's Prometheus registry: HTTP latency, queue depths and process metrics. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'corral_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  constructor(jobs: JobsQueue) {
    collectDefaultMetrics({ register: this.registry, prefix: 'corral_' });
    new Gauge({
      name: 'corral_queue_jobs',
      help: 'jobs in the Corral queue by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const depths = await jobs.depths();
        for (const [state, count] of Object.entries(depths)) this.set({ state }, count);
      },
    });
  }
}
