import { Inject, Injectable, Logger } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { EventsService } from '../events/events.service';
import { IdempotencyService } from '../idempotency/idempotency.service';

/** What the periodic `retention` job removes: events past CORRAL_EVENT_RETENTION and expired Idempotency-Keys. */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly events: EventsService,
    private readonly idempotency: IdempotencyService,
  ) {}

  async prune(now = new Date()): Promise<{ events: number; idempotencyKeys: number }> {
    const events = await this.events.pruneOlderThan(new Date(now.getTime() - this.config.limits.eventRetentionMs));
    const idempotencyKeys = await this.idempotency.pruneExpired();
    if (events || idempotencyKeys) this.logger.log({ events, idempotencyKeys }, 'pruned past retention');
    return { events, idempotencyKeys };
  }
}
