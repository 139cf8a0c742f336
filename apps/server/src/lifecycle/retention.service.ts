import { Inject, Injectable, Logger } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { EventsService } from '../events/events.service';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { SnapshotOrphanSweep } from '../snapshots/snapshot-orphan-sweep.service';

export interface RetentionResult {
  events: number;
  idempotencyKeys: number;
  /** partial files and incomplete multipart uploads removed from the snapshot store */
  snapshotIncompleteWrites: number;
  /** snapshot objects no row pointed at, removed */
  snapshotOrphanObjects: number;
}

/**
 * What the periodic `retention` job removes: events past CORRAL_EVENT_RETENTION, expired
 * Idempotency-Keys, and what a crash left in the snapshot store (SnapshotOrphanSweep).
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly events: EventsService,
    private readonly idempotency: IdempotencyService,
    private readonly snapshotSweep: SnapshotOrphanSweep,
  ) {}

  async prune(now = new Date()): Promise<RetentionResult> {
    const events = await this.events.pruneOlderThan(new Date(now.getTime() - this.config.limits.eventRetentionMs));
    const idempotencyKeys = await this.idempotency.pruneExpired();
    if (events || idempotencyKeys) this.logger.log({ events, idempotencyKeys }, 'pruned past retention');
    const swept = await this.snapshotSweep.sweep(now);
    return { events, idempotencyKeys, snapshotIncompleteWrites: swept.incompleteWrites, snapshotOrphanObjects: swept.orphanObjects };
  }
}
