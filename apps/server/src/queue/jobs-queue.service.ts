import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { CORRAL_QUEUE, JobName, JobPayloads, jobId } from './jobs';

/** The one way to enqueue work: typed payloads, deterministic ids, retries with backoff. */
@Injectable()
export class JobsQueue {
  constructor(@InjectQueue(CORRAL_QUEUE) private readonly queue: Queue) {}

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: { delayMs?: number; idSuffix?: string } = {}): Promise<void> {
    await this.queue.add(name, payload, {
      jobId: options.idSuffix ? `${jobId(name, payload)}-${options.idSuffix}` : jobId(name, payload),
      delay: options.delayMs,
      attempts: 10,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
  }

  async depths(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
  }
}
