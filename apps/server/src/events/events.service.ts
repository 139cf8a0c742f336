import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
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
    const saved = await repo.save(
      repo.create({
        environmentId: event.environmentId ?? null,
        hostId: event.hostId ?? null,
        component: event.component ?? null,
        type: event.type ?? 'Normal',
        reason: event.reason,
        message: event.message,
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
