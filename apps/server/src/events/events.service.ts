import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { CorralEvent, EventType } from './event.entity';

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
export class EventsService {
  private readonly logger = new Logger('Events');

  constructor(@InjectRepository(CorralEvent) private readonly events: Repository<CorralEvent>) {}

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
    return saved;
  }

  listForEnvironment(environmentId: string, afterId = '0', limit = 500): Promise<CorralEvent[]> {
    return this.events.find({ where: { environmentId, id: MoreThan(afterId) }, order: { id: 'ASC' }, take: limit });
  }

  listForHost(hostId: string, limit = 200): Promise<CorralEvent[]> {
    return this.events.find({ where: { hostId }, order: { id: 'DESC' }, take: limit });
  }
}
