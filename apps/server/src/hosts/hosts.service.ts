import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Not, Repository } from 'typeorm';
import { nextHostState } from '@corral/domain';
import { Host } from './host.entity';
import { ListHostsQuery } from './dto/list-hosts.query';
import { EnvironmentsService } from '../environments/environments.service';
import { HostPoolService } from './host-pool.service';
import { EventsService, type NewEvent } from '../events/events.service';
import { JobsQueue } from '../queue/jobs-queue.service';
import { hashSecret } from '../crypto/secrets';
import { isUuid } from '../common/uuid-param.pipe';
import { whereLabelsMatch } from '../common/label-selector-sql';
import { AGENT_DATABASE } from '../persistence/agent-database';

@Injectable()
export class HostsService {
  constructor(
    @InjectRepository(Host) private readonly hosts: Repository<Host>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectDataSource(AGENT_DATABASE) private readonly agentDatabase: DataSource,
    private readonly environments: EnvironmentsService,
    private readonly events: EventsService,
    private readonly jobs: JobsQueue,
    private readonly pools: HostPoolService,
  ) {}

  /** The host a credential belongs to, unless the host was removed (on the agent protocol's own pool). */
  async authenticate(credential: string): Promise<Host | null> {
    return this.agentDatabase.getRepository(Host).findOne({ where: { credentialHash: hashSecret(credential), state: Not('removed') } });
  }

  async list(query: ListHostsQuery): Promise<Host[]> {
    const qb = this.hosts.createQueryBuilder('h').where(`h.state <> 'removed'`);
    if (query.environment) {
      const env = await this.environments.get(query.environment);
      qb.andWhere('h.environment_id = :envId', { envId: env.id });
    }
    if (query.state) qb.andWhere('h.state = :state', { state: query.state });
    if (query.pool) qb.andWhere('h.pool = :pool', { pool: query.pool });
    if (query.idle) qb.andWhere('h.environment_id IS NULL');
    if (query.labelSelector) whereLabelsMatch(qb, 'h', query.labelSelector);
    return qb.orderBy('h.created_at', 'ASC').addOrderBy('h.id', 'ASC').take(1000).getMany();
  }

  async get(id: string): Promise<Host> {
    const host = isUuid(id) ? await this.hosts.findOne({ where: { id, state: Not('removed') } }) : null;
    if (!host) throw new NotFoundException(`host ${id} not found`);
    return host;
  }

  listForEnvironment(environmentId: string): Promise<Host[]> {
    return this.hosts.find({ where: { environmentId, state: Not('removed') }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Removes a host: its credential stops working and its environment re-plans without it. */
  async remove(id: string): Promise<void> {
    const host = await this.get(id);
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(Host).update(host.id, { state: 'removed', credentialHash: `removed:${host.id}` });
      await this.events.record({ environmentId: host.environmentId, hostId: host.id, reason: 'HostRemoved', message: `host ${host.hostname} removed` }, manager);
    });
    if (host.environmentId) await this.jobs.enqueue('reconcile', { environmentId: host.environmentId });
  }

  /** A sign of life from the agent (on the agent protocol's own pool): refreshes the heartbeat and brings a silent host back. */
  async heartbeat(host: Host, agentVersion: string, observedRevision: number): Promise<void> {
    const now = new Date();
    await this.agentDatabase.getRepository(Host).update(host.id, { lastHeartbeatAt: now, agentVersion, observedRevision });
    if (host.state === 'active') return;
    const changed = await this.moveState(this.agentDatabase, host, 'active', { reason: 'HostActive', message: `host ${host.hostname} is heard from again (was ${host.state})` });
    if (changed && host.environmentId) await this.jobs.enqueue('reconcile', { environmentId: host.environmentId });
  }

  /**
   * Moves silent hosts to disconnected, then lost. Each transition is a conditional update, so
   * several replicas sweeping at once record it once. Then hands idle pool hosts (freed by a
   * deletion, wiped, or back from a disconnection) to environments waiting for them.
   */
  async sweep(now: Date, thresholds: { disconnectedAfterMs: number; lostAfterMs: number }): Promise<number> {
    const candidates = await this.hosts
      .createQueryBuilder('h')
      .where(`h.state IN ('active', 'disconnected')`)
      .andWhere('h.last_heartbeat_at < :cutoff', { cutoff: new Date(now.getTime() - thresholds.disconnectedAfterMs) })
      .getMany();
    let changed = 0;
    for (const host of candidates) {
      const next = nextHostState(host.lastHeartbeatAt, now, thresholds, host.state);
      if (next === host.state) continue;
      const silentFor = Math.round((now.getTime() - (host.lastHeartbeatAt?.getTime() ?? now.getTime())) / 1000);
      const moved = await this.moveState(this.dataSource, host, next, { type: 'Warning', reason: next === 'lost' ? 'HostLost' : 'HostDisconnected', message: `host ${host.hostname} is ${next}: no heartbeat for ${silentFor}s` });
      if (!moved) continue;
      changed++;
      if (host.environmentId) await this.jobs.enqueue('reconcile', { environmentId: host.environmentId });
    }
    await this.pools.claimHostsForWaiting();
    return changed;
  }

  /**
   * Moves the host from the state it was read in to `next` and records why, in one transaction:
   * a reader that sees the new state sees its event. False when another writer moved it first.
   */
  private moveState(dataSource: DataSource, host: Host, next: Host['state'], event: Pick<NewEvent, 'type' | 'reason' | 'message'>): Promise<boolean> {
    return dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(Host).update({ id: host.id, state: host.state }, { state: next });
      if (!result.affected) return false;
      await this.events.record({ environmentId: host.environmentId, hostId: host.id, ...event }, manager);
      return true;
    });
  }
}
