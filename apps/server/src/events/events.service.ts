import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan, QueryRunner, Repository } from 'typeorm';
import { CorralEvent, EventType } from './event.entity';
import { AGENT_DATABASE } from '../persistence/agent-database';
import { EnvironmentEventsNotifier } from './environment-events-notifier';
import type { CommitHorizon } from './event-cursor';

export interface NewEvent {
  environmentId?: string | null;
  hostId?: string | null;
  component?: string | null;
  type?: EventType;
  reason: string;
  message: string;
}

/** Writes and reads the timeline. Every state change goes through record(). */
const PRUNE_BATCH = 10_000;

@Injectable()
export class EventsService implements OnModuleInit {
  private readonly logger = new Logger('Events');
  /** environments to announce once the transaction that recorded their events commits */
  private readonly pending = new WeakMap<QueryRunner, Set<string>>();

  constructor(
    @InjectRepository(CorralEvent) private readonly events: Repository<CorralEvent>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectDataSource(AGENT_DATABASE) private readonly agentDatabase: DataSource,
    private readonly notifier: EnvironmentEventsNotifier,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  onModuleInit(): void {
    // a reader woken before the commit would not see the row yet: announce after it (on both
    // pools: status ingestion records its events on the agent protocol's own)
    for (const dataSource of [this.dataSource, this.agentDatabase]) this.announceAfterCommit(dataSource);
  }

  private announceAfterCommit(dataSource: DataSource): void {
    dataSource.subscribers.push({
      afterTransactionCommit: ({ queryRunner }) => {
        if (queryRunner.isTransactionActive) return; // a savepoint: the outer transaction has not committed
        const ids = this.pending.get(queryRunner);
        this.pending.delete(queryRunner);
        for (const id of ids ?? []) this.announce(id);
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) this.pending.delete(queryRunner);
      },
    });
  }

  /** Records an event, inside the caller's transaction when one is given. */
  async record(event: NewEvent, manager?: EntityManager): Promise<CorralEvent> {
    const repo = manager ? manager.getRepository(CorralEvent) : this.events;
    const repeatCount = event.hostId && event.component ? await this.makeRoomForRepeat(repo, event.hostId, event.component, event.reason) : 1;
    const saved = await repo.save(
      repo.create({
        environmentId: event.environmentId ?? null,
        hostId: event.hostId ?? null,
        component: event.component ?? null,
        type: event.type ?? 'Normal',
        reason: event.reason,
        message: event.message,
        repeatCount,
      }),
    );
    this.logger.log({ event: { reason: saved.reason, environmentId: saved.environmentId, hostId: saved.hostId, component: saved.component } }, saved.message);
    if (saved.environmentId) {
      const runner = manager?.queryRunner;
      if (runner?.isTransactionActive) {
        const ids = this.pending.get(runner) ?? new Set<string>();
        ids.add(saved.environmentId);
        this.pending.set(runner, ids);
      } else {
        this.announce(saved.environmentId);
      }
    }
    return saved;
  }

  /**
   * A component keeps at most CORRAL_EVENT_REPEAT_CAP events of one reason, so a crash loop
   * cannot grow the table without bound: the oldest beyond the cap go, and the new event counts
   * every occurrence (the newest's count + 1).
   */
  private async makeRoomForRepeat(repo: Repository<CorralEvent>, hostId: string, component: string, reason: string): Promise<number> {
    const keep = this.config.limits.eventRepeatCap - 1;
    const rows: { id: string; repeat_count: number }[] = await repo.query(
      `SELECT id, repeat_count FROM events WHERE host_id = $1 AND component = $2 AND reason = $3 ORDER BY id DESC LIMIT $4`,
      [hostId, component, reason, keep + 1],
    );
    if (!rows.length) return 1;
    if (rows.length > keep) {
      const oldestKept = keep > 0 ? rows[keep - 1].id : null;
      await repo.query(
        `DELETE FROM events WHERE host_id = $1 AND component = $2 AND reason = $3${oldestKept ? ' AND id < $4' : ''}`,
        oldestKept ? [hostId, component, reason, oldestKept] : [hostId, component, reason],
      );
    }
    return rows[0].repeat_count + 1;
  }

  /** Deletes events older than `before`, in batches (a periodic job; CORRAL_EVENT_RETENTION). */
  async pruneOlderThan(before: Date): Promise<number> {
    let pruned = 0;
    for (;;) {
      const result: [unknown[], number] = await this.dataSource.query(
        `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < $1 ORDER BY id LIMIT $2)`,
        [before, PRUNE_BATCH],
      );
      pruned += result[1];
      if (result[1] < PRUNE_BATCH) return pruned;
    }
  }

  private announce(environmentId: string): void {
    // best effort: waiters also re-read on their own timeout
    this.notifier.publish(environmentId).catch((err) => this.logger.warn(`cannot announce events of ${environmentId}: ${(err as Error).message}`));
  }

  listForEnvironment(environmentId: string, afterId = '0', limit = 500): Promise<CorralEvent[]> {
    return this.events.find({ where: { environmentId, id: MoreThan(afterId) }, order: { id: 'ASC' }, take: limit });
  }

  /**
   * The database's clock and the start of its oldest open client transaction (another
   * session's): an event id below one already read can only still come from such a transaction.
   * Corral's sessions all use one role, so pg_stat_activity shows their transaction starts.
   */
  async commitHorizon(): Promise<CommitHorizon> {
    const [row] = await this.dataSource.query(`
      SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now,
             (SELECT extract(epoch FROM min(xact_start)) * 1000 FROM pg_stat_activity
               WHERE datname = current_database() AND backend_type = 'client backend'
                 AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)::float8 AS oldest`);
    return { now: Number(row.now), oldestOpenSince: row.oldest === null ? null : Number(row.oldest) };
  }

  /** The last `count` events of an environment, oldest first. */
  async lastForEnvironment(environmentId: string, count: number): Promise<CorralEvent[]> {
    return (await this.events.find({ where: { environmentId }, order: { id: 'DESC' }, take: count })).reverse();
  }
}
