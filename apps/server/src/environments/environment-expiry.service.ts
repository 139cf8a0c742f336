import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Environment } from './environment.entity';
import { EnvironmentsService } from './environments.service';
import { JobsQueue } from '../queue/jobs-queue.service';
const BATCH = 500;
const MAX_BATCHES = 100;

/**
 * TTL beyond the delayed `expire` jobs: when a worker starts, environments whose expiry passed
 * while no server ran are deleted and the others get their expire job back (a no-op when Redis
 * still holds it); the periodic `expiry-sweep` job deletes anything expired that a lost job missed.
 */
@Injectable()
export class EnvironmentExpiryService {
  private readonly logger = new Logger(EnvironmentExpiryService.name);

  constructor(
    @InjectRepository(Environment) private readonly environments: Repository<Environment>,
    private readonly lifecycle: EnvironmentsService,
    private readonly jobs: JobsQueue,
  ) {}

  /** Deletes what has expired; with rescheduleFuture, re-enqueues the expire job of the rest. */
  async sweep(options: { rescheduleFuture: boolean }): Promise<{ expired: number; rescheduled: number }> {
    let expired = 0;
    let rescheduled = 0;
    let after: { expiresAt: Date; id: string } | null = null;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const qb = this.environments
        .createQueryBuilder('e')
        .where('e.expires_at IS NOT NULL')
        .andWhere(`e.state NOT IN ('deleting', 'deleted')`)
        .orderBy('e.expires_at', 'ASC')
        .addOrderBy('e.id', 'ASC')
        .take(BATCH);
      if (!options.rescheduleFuture) qb.andWhere('e.expires_at <= now()');
      if (after) qb.andWhere('(e.expires_at, e.id) > (:afterTime, CAST(:afterId AS uuid))', { afterTime: after.expiresAt, afterId: after.id });
      const page = await qb.getMany();
      for (const env of page) {
        const leftMs = env.expiresAt!.getTime() - Date.now();
        if (leftMs <= 0) {
          await this.lifecycle.requestDeletion(env.id, 'Expired').catch((err) => this.logger.warn(`cannot delete expired ${env.name}: ${(err as Error).message}`));
          expired++;
        } else {
          await this.jobs.enqueue('expire', { environmentId: env.id }, { delayMs: leftMs });
          rescheduled++;
        }
      }
      if (page.length < BATCH) break;
      after = { expiresAt: page[page.length - 1].expiresAt!, id: page[page.length - 1].id };
    }
    if (expired) this.logger.log(`deleting ${expired} environment(s) whose time to live ran out`);
    return { expired, rescheduled };
  }
}
