import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { CORRAL_QUEUE, JobName, JobPayloads, jobId } from './jobs';
import { redisConnectionOptions } from './redis-connection';

/**
 * The one way to enqueue work: typed payloads, deterministic ids, retries with backoff.
 *
 * A deterministic id coalesces a burst into one job, but BullMQ also drops a request whose id
 * is already running, so that request would be lost. Every request therefore bumps a counter;
 * a running job compares it before and after its work and runs again when it moved. A request
 * for a job that waits delayed (it re-runs itself later) makes it run now.
 */
@Injectable()
export class JobsQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(JobsQueue.name);
  private redis: Redis | null = null;

  constructor(
    @InjectQueue(CORRAL_QUEUE) private readonly queue: Queue,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: { delayMs?: number } = {}): Promise<void> {
    const id = jobId(name, payload);
    if (!options.delayMs) await this.client().multi().incr(this.requestsKey(id)).expire(this.requestsKey(id), 86400).exec();
    const job = await this.queue.add(name, payload, {
      jobId: id,
      delay: options.delayMs,
      attempts: 10,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
    // A job that re-runs itself later (not yet converged, or backing off) holds its id, so this
    // request was coalesced into it: run it now instead of at its later time. Promote answers
    // an error when the job is not delayed (waiting, running): then nothing is to be done.
    if (!options.delayMs) await job.promote().catch(() => undefined);
  }

  /** How many times this job has been asked for; compare before and after running it. */
  async requests(jobIdValue: string): Promise<number> {
    return Number((await this.client().get(this.requestsKey(jobIdValue))) ?? 0);
  }

  async depths(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
  }

  private requestsKey(id: string): string {
    return `${this.config.redisPrefix}:job-requests:${id}`;
  }

  private client(): Redis {
    if (!this.redis) {
      this.redis = new Redis(redisConnectionOptions(this.config.redisUrl));
      // ioredis reconnects by itself; the queue's own connection reports the outage through /healthz
      this.redis.on('error', (err) => this.logger.warn(`job-request counter: ${err.message}`));
    }
    return this.redis;
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
