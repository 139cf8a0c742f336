import { ConflictException, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { PoolResource } from '@corral/contracts';
import { planPoolHosts, type HostState } from '@corral/domain';
import { Host } from './host.entity';
import { EventsService } from '../events/events.service';
import { whereLabelsMatch } from '../common/label-selector-sql';
import { JobsQueue } from '../queue/jobs-queue.service';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';

/** A host row may be locked for a moment by its heartbeat; a claim looks again before giving up. */
const CLAIM_ATTEMPTS = 4;
const CLAIM_RETRY_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PoolClaim {
  pool: string;
  labelSelector?: string | null;
}

/** states in which an environment holds on to (and tops up) the pool hosts it asked for */
const HOLDS_HOSTS = ['pending', 'provisioning', 'active', 'degraded', 'upgrading'];
const WAITING_BATCH = 100;

/** Pool hosts are handed out first come, first served per lane: one pool and label selector. */
interface Lane {
  pool: string;
  labelSelector: string | null;
}

interface WaitingEnvironment {
  id: string;
  name: string;
  lane: Lane;
  hostCount: number;
  need: number;
}

/**
 * Pool hosts: registered with a pool token, they wait idle (no environment, active, nothing
 * desired or still reported running) until an environment claims them. Claims lock the rows
 * they take with FOR UPDATE SKIP LOCKED, so concurrent claims never take the same host and
 * never wait for each other. Deleting an environment frees its hosts (environment_id NULL):
 * they keep their pool and are idle again once their agent reports everything wiped. The one
 * home of pool claims: at an environment's creation, and for environments still waiting
 * (after a host registers, and on every host sweep).
 */
@Injectable()
export class HostPoolService {
  private readonly logger = new Logger(HostPoolService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
    private readonly jobs: JobsQueue,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  /**
   * The claim of an environment being created (inside its transaction): first come, first
   * served, so idle hosts go to environments already waiting in its lane. Without enough idle
   * hosts it waits (waitForHosts, with a WaitingForHosts event) or is refused with a 409.
   */
  async claimForNewEnvironment(manager: EntityManager, env: { id: string; name: string }, hosts: PoolClaim & { count: number }, waitForHosts: boolean): Promise<void> {
    const request = { pool: hosts.pool, labelSelector: hosts.labelSelector };
    const ahead = await this.waitingEnvironments(manager, { lane: { pool: request.pool, labelSelector: request.labelSelector || null }, excludeId: env.id });
    const { claimed } = ahead.length ? { claimed: [] } : await this.claim(manager, env, request, hosts.count);
    if (claimed.length) return;
    const matching = `pool "${hosts.pool}"${hosts.labelSelector ? ` matching "${hosts.labelSelector}"` : ''}`;
    const queue = ahead.length ? `, and ${ahead.length} environment(s) waiting ahead (${ahead.slice(0, 3).map((w) => `${w.name} needs ${w.need}`).join(', ')}) get idle hosts first` : '';
    if (!waitForHosts) {
      const idle = await this.countIdle(request);
      throw new ConflictException(`not enough idle hosts in ${matching}: ${idle} free, ${hosts.count} requested${queue}; retry later or set waitForHosts`);
    }
    await this.events.record({ environmentId: env.id, type: 'Warning', reason: 'WaitingForHosts', message: `waiting for ${hosts.count} idle host(s) of ${matching}${queue}` }, manager);
  }

  /**
   * Pool environments that would claim hosts now (planPoolHosts: fewer than they asked for, a
   * lost host to replace, repairs not stopped), oldest first, with how many they need.
   * Narrowed to one pool, or to one lane; in a lane, one asking for more hosts than the lane has
   * at all is left out (it waits for hosts to register without holding anyone up).
   */
  private async waitingEnvironments(manager: EntityManager, filter: { pool?: string; lane?: Lane; excludeId?: string; limit?: number } = {}): Promise<WaitingEnvironment[]> {
    const pool = filter.lane?.pool ?? filter.pool ?? null;
    const laneTotal = filter.lane ? await this.countMatching(manager, filter.lane) : null;
    const rows: Array<{ id: string; name: string; pool: string; label_selector: string | null; host_count: number; states: HostState[] }> = await manager.query(
      `SELECT e.id, e.name, e.host_pool AS pool, e.host_label_selector AS label_selector, e.host_count,
              coalesce(json_agg(h.state) FILTER (WHERE h.id IS NOT NULL), '[]') AS states
         FROM environments e
         LEFT JOIN hosts h ON h.environment_id = e.id AND h.pool = e.host_pool
        WHERE e.host_pool IS NOT NULL AND e.state = ANY($1)
          AND ($2::text IS NULL OR e.host_pool = $2)
          AND ($3::text IS NULL OR coalesce(e.host_label_selector, '') = $3)
          AND ($4::int IS NULL OR e.host_count <= $4)
          AND e.id IS DISTINCT FROM $5
        GROUP BY e.id
       HAVING count(h.id) FILTER (WHERE h.state NOT IN ('removed', 'lost')) < e.host_count
        ORDER BY e.created_at, e.id
        LIMIT $6`,
      [HOLDS_HOSTS, pool, filter.lane ? (filter.lane.labelSelector ?? '') : null, laneTotal, filter.excludeId ?? null, filter.limit ?? null],
    );
    return rows
      .map((r) => ({ id: r.id, name: r.name, lane: { pool: r.pool, labelSelector: r.label_selector }, hostCount: r.host_count, need: this.poolHostsNeeded(r.host_count, r.states) }))
      .filter((w) => w.need > 0);
  }

  /**
   * Gives pool hosts to environments that hold fewer than they asked for (created with
   * waitForHosts, or a host was removed or lost: see planPoolHosts). First come, first served
   * per lane (pool and label selector): while the oldest waiting environment of a lane cannot
   * get all it needs, younger ones in that lane wait too, so small requests never starve a big
   * one. Each claim is all or nothing. Safe on several replicas at once: one environment is
   * topped up by one of them at a time.
   */
  async claimHostsForWaiting(pool?: string): Promise<number> {
    let topped = 0;
    const blockedLanes = new Set<string>();
    const laneTotals = new Map<string, number>();
    for (const env of await this.waitingEnvironments(this.dataSource.manager, { pool, limit: WAITING_BATCH })) {
      const { lane } = env;
      const laneKey = JSON.stringify([lane.pool, lane.labelSelector ?? '']);
      if (blockedLanes.has(laneKey)) continue;
      let claimed = 0;
      const outcome = await this.dataSource.transaction(async (manager): Promise<'claimed' | 'short' | 'busy' | 'none'> => {
        const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [`claim-hosts-${env.id}`]);
        if (!locked) return 'busy';
        const [live] = await manager.query(`SELECT state FROM environments WHERE id = $1 FOR SHARE`, [env.id]);
        if (!live || !HOLDS_HOSTS.includes(live.state)) return 'none';
        // looked at again under the lock: a concurrent claim or a host change may have settled it
        const need = this.poolHostsNeeded(env.hostCount, await this.hostStates(manager, env.id, lane.pool));
        if (need <= 0) return 'none';
        const result = await this.claim(manager, env, lane, need);
        claimed = result.claimed.length;
        if (claimed) return 'claimed';
        if (!laneTotals.has(laneKey)) laneTotals.set(laneKey, await this.countMatching(manager, lane));
        // one that can never be served (more than the lane has) holds nobody up
        return env.hostCount <= laneTotals.get(laneKey)! ? 'short' : 'none';
      });
      // another replica is serving this one, or it lacks hosts: the younger ones in its lane wait
      if (outcome === 'short' || outcome === 'busy') blockedLanes.add(laneKey);
      if (outcome !== 'claimed') continue;
      topped++;
      this.logger.log({ environmentId: env.id }, `claimed ${claimed} host(s) of pool ${lane.pool} for ${env.name}`);
      await this.jobs.enqueue('reconcile', { environmentId: env.id });
    }
    return topped;
  }

  /** Environments that would claim pool hosts now, by pool. */
  async countWaitingByPool(): Promise<Map<string, number>> {
    const waiting = new Map<string, number>();
    for (const w of await this.waitingEnvironments(this.dataSource.manager)) waiting.set(w.lane.pool, (waiting.get(w.lane.pool) ?? 0) + 1);
    return waiting;
  }

  /** What planPoolHosts would claim for an environment holding hosts in these states. */
  private poolHostsNeeded(requested: number, states: HostState[]): number {
    return planPoolHosts({ requested, hosts: states.map((state, i) => ({ id: String(i), state, kinds: [] })), maxUnhealthy: this.config.maxUnhealthyHosts }).claim;
  }

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
