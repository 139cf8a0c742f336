import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { CORRAL_QUEUE } from '../queue/jobs';
import { repeatableJobs } from '../queue/repeatable-jobs';

const ENSURE_EVERY_MS = 60_000;

/**
 * Registers every periodic job (repeatableJobs) as a BullMQ job scheduler: at worker start, and
 * again every minute. That timer is the one process-local timer beside the schedulers, for one
 * reason: a Redis that lost its data (restarted without persistence) has lost the schedulers
 * too, and gets them back without a server restart. Upserting an unchanged schedule is a no-op.
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
    for (const job of repeatableJobs(this.config)) {
      await this.queue.upsertJobScheduler(job.name, { every: job.everyMs }, { name: job.name, data: {} });
    }
  }
}
