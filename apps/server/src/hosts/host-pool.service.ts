import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { PoolResource } from '@corral/contracts';
import type { HostState } from '@corral/domain';
import { Host } from './host.entity';
import { EventsService } from '../events/events.service';
import { whereLabelsMatch } from '../common/label-selector-sql';

/** A host row may be locked for a moment by its heartbeat; a claim looks again before giving up. */
const CLAIM_ATTEMPTS = 4;
const CLAIM_RETRY_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PoolClaim {
  pool: string;
  labelSelector?: string | null;
}

/**
 * Pool hosts: registered with a pool token, they wait idle (no environment, active, nothing
 * desired or still reported running) until an environment claims them. Claims lock the rows
 * they take with FOR UPDATE SKIP LOCKED, so concurrent claims never take the same host and
 * never wait for each other. Deleting an environment frees its hosts (environment_id NULL):
 * they keep their pool and are idle again once their agent reports everything wiped.
 */
@Injectable()
export class HostPoolService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  /**
   * Claims exactly `count` idle hosts for the environment inside the caller's transaction, or
   * none. Returns the hosts claimed (empty when too few were free) and how many were idle.
   */
  async claim(manager: EntityManager, environment: { id: string; name: string }, request: PoolClaim, count: number): Promise<{ claimed: Host[]; idle: number }> {
    let candidates: Host[] = [];
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      // all or nothing: a short attempt lets go of the rows it locked (savepoint rollback releases
      // row locks), so two claims each holding part of what both need cannot starve each other
      await manager.query('SAVEPOINT host_claim');
      candidates = await this.idleHosts(manager, request, environment.id).limit(count).setLock('pessimistic_write').setOnLocked('skip_locked').getMany();
      if (candidates.length >= count) {
        await manager.query('RELEASE SAVEPOINT host_claim');
        break;
      }
      await manager.query('ROLLBACK TO SAVEPOINT host_claim');
      // rows locked for a moment (a heartbeat, a concurrent claim that may still fail): look again
      if (attempt < CLAIM_ATTEMPTS - 1) await sleep(CLAIM_RETRY_MS * 2 ** attempt + Math.random() * 2 * CLAIM_RETRY_MS);
    }
    if (candidates.length < count) return { claimed: [], idle: candidates.length };
    const ids = candidates.map((h) => h.id);
    await manager.query(`UPDATE hosts SET environment_id = $1, updated_at = now() WHERE id = ANY($2::uuid[]) AND environment_id IS NULL`, [environment.id, ids]);
    for (const host of candidates) {
      host.environmentId = environment.id;
      await this.events.record(
        { environmentId: environment.id, hostId: host.id, reason: 'HostClaimed', message: `host ${host.hostname} (${host.addresses.join(', ')}) claimed from pool ${request.pool} for environment ${environment.name}` },
        manager,
      );
    }
    return { claimed: candidates, idle: candidates.length };
  }

  /** Every host of the pool that matches the claim's selector, in any environment or none (removed ones aside). */
  countMatching(manager: EntityManager, request: PoolClaim): Promise<number> {
    const qb = manager.getRepository(Host).createQueryBuilder('h').where('h.pool = :pool', { pool: request.pool }).andWhere(`h.state <> 'removed'`);
    if (request.labelSelector) whereLabelsMatch(qb, 'h', request.labelSelector, 'hosts.labelSelector');
    return qb.getCount();
  }

  /** How many hosts a claim could take now (no locks: an estimate for error messages). */
  countIdle(request: PoolClaim): Promise<number> {
    return this.idleHosts(this.dataSource.manager, request).getCount();
  }

  /** The state of every host of the pool the environment holds (removed ones included: planPoolHosts skips them). */
  async hostStates(manager: EntityManager, environmentId: string, pool: string): Promise<HostState[]> {
    const rows: Array<{ state: HostState }> = await manager.query(`SELECT state FROM hosts WHERE environment_id = $1 AND pool = $2`, [environmentId, pool]);
    return rows.map((r) => r.state);
  }

  /**
   * Gives a host back to its pool. The caller has emptied its desired state first, so the
   * agent wipes it, and it is claimable again once it reports nothing left.
   */
  async release(environment: { id: string; name: string }, host: { id: string; hostname: string; pool: string | null }, why: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.query(`UPDATE hosts SET environment_id = NULL, updated_at = now() WHERE id = $1 AND environment_id = $2`, [host.id, environment.id]);
      if (!result[1]) return false;
      await this.events.record(
        { environmentId: environment.id, hostId: host.id, reason: 'HostReleased', message: `host ${host.hostname} returned to pool ${host.pool}: ${why}` },
        manager,
      );
      return true;
    });
  }

  /** Every pool with its hosts by availability, by name. */
  async listPools(): Promise<Omit<PoolResource, 'waitingEnvironments'>[]> {
    const rows: { pool: string; total: number; idle: number; claimed: number }[] = await this.dataSource.query(`
      SELECT h.pool,
             count(*)::int AS total,
             count(*) FILTER (WHERE h.environment_id IS NULL AND h.state = 'active'
               AND NOT EXISTS (SELECT 1 FROM component_statuses s WHERE s.host_id = h.id)
               AND NOT EXISTS (SELECT 1 FROM components c WHERE c.host_id = h.id))::int AS idle,
             count(*) FILTER (WHERE h.environment_id IS NOT NULL)::int AS claimed
        FROM hosts h
       WHERE h.pool IS NOT NULL AND h.state <> 'removed'
       GROUP BY h.pool
       ORDER BY h.pool`);
    return rows.map((r) => ({ name: r.pool, hosts: { total: r.total, idle: r.idle, claimed: r.claimed, unavailable: r.total - r.idle - r.claimed } }));
  }

  /** With `forEnvironment`: only hosts whose hostname no live host of that environment holds (names are unique there). */
  private idleHosts(manager: EntityManager, request: PoolClaim, forEnvironment?: string): SelectQueryBuilder<Host> {
    const qb = manager
      .getRepository(Host)
      .createQueryBuilder('h')
      .where('h.pool = :pool', { pool: request.pool })
      .andWhere('h.environment_id IS NULL')
      .andWhere(`h.state = 'active'`)
      // wiped: the agent stopped and removed whatever a previous environment ran there
      .andWhere('NOT EXISTS (SELECT 1 FROM component_statuses s WHERE s.host_id = h.id)')
      .andWhere('NOT EXISTS (SELECT 1 FROM components c WHERE c.host_id = h.id)')
      .orderBy('h.created_at', 'ASC')
      .addOrderBy('h.id', 'ASC');
    if (request.labelSelector) whereLabelsMatch(qb, 'h', request.labelSelector, 'hosts.labelSelector');
    if (forEnvironment) {
      qb.andWhere(`NOT EXISTS (SELECT 1 FROM hosts o WHERE o.environment_id = :forEnvironment AND o.hostname = h.hostname AND o.state <> 'removed')`, { forEnvironment });
    }
    return qb;
  }
}
