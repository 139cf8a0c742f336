import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { CORRAL_QUEUE } from '../queue/jobs';
import { MONITOR_TICK_MS } from './monitoring.service';
import { INGRESS_SCALE_CHECK_MS } from '../provisioning/ingress-scale.service';

const ENSURE_EVERY_MS = 60_000;

/**
 * Keeps the periodic jobs registered in Redis: at start, and again every minute, so a Redis
 * that lost its data (restarted without persistence) gets its schedules back without a
 * server restart. Upserting an unchanged schedule is a no-op.
 */
@Injectable()
export class JobSchedules implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobSchedules.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @InjectQueue(CORRAL_QUEUE) private readonly queue: Queue,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensure();
    this.timer = setInterval(() => void this.ensure().catch((err) => this.logger.warn(`cannot register periodic jobs: ${(err as Error).message}`)), ENSURE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async ensure(): Promise<void> {
    await this.queue.upsertJobScheduler('monitor-tick', { every: MONITOR_TICK_MS }, { name: 'monitor-tick', data: {} });
    // same definition as the worker's own registration at start
    await this.queue.upsertJobScheduler('host-sweep', { every: this.config.sweepIntervalMs }, { name: 'host-sweep', data: {} });
    await this.queue.upsertJobScheduler('ingress-scale-check', { every: INGRESS_SCALE_CHECK_MS }, { name: 'ingress-scale-check', data: {} });
  }
}
