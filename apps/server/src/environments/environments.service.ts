import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { DEFAULT_KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS } from '@corral/kube';
import { assertTransition, parseDuration, planPoolHosts, validateDns1123Label, type HostState } from '@corral/domain';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { Environment } from './environment.entity';
import { CreateEnvironmentDto } from './dto/create-environment.dto';
import { UpdateEnvironmentDto } from './dto/update-environment.dto';
import { ListEnvironmentsQuery } from './dto/list-environments.query';
import { EventsService } from '../events/events.service';
import { JobsQueue } from '../queue/jobs-queue.service';
import { FieldValidationException } from '../common/field-validation.exception';
import { isUuid } from '../common/uuid-param.pipe';
import { decodePageToken, encodePageToken } from '../common/page-token';
import { whereLabelsMatch } from '../common/label-selector-sql';
import { HostPoolService } from '../hosts/host-pool.service';

const DEFAULT_NETWORKING = {
  clusterCidr: '10.42.0.0/16',
  serviceCidr: '10.43.0.0/16',
  clusterDomain: 'cluster.local',
  dnsServiceIp: '10.43.0.10',
};
const UNIQUE_VIOLATION = '23505';
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

@Injectable()
export class EnvironmentsService {
  private readonly logger = new Logger(EnvironmentsService.name);

  constructor(
    @InjectRepository(Environment) private readonly environments: Repository<Environment>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
    private readonly jobs: JobsQueue,
    private readonly pools: HostPoolService,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  async create(dto: CreateEnvironmentDto): Promise<Environment> {
    const kubernetesVersion = dto.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
    if (!(SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(kubernetesVersion)) {
      throw FieldValidationException.field('kubernetesVersion', `"${kubernetesVersion}" is not supported; supported versions: ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}`);
    }
    const ttlMs = dto.ttl ? parseDuration(dto.ttl) : null;
    const etcdMembers = dto.etcd?.members ?? 1;
    if (dto.waitForHosts !== undefined && !dto.hosts) throw FieldValidationException.field('waitForHosts', 'waitForHosts needs hosts: {pool, count}');
    if (dto.hosts && dto.hosts.count < etcdMembers) {
      throw FieldValidationException.field('hosts.count', `must be at least etcd.members (${etcdMembers}): each etcd member needs its own host`);
    }
    let saved: Environment;
    try {
      saved = await this.dataSource.transaction(async (manager) => {
        const env = await manager.getRepository(Environment).save(
          manager.getRepository(Environment).create({
            name: dto.name,
            kubernetesVersion,
            state: 'pending',
            stateReason: null,
            conditions: [],
            labels: dto.labels ?? {},
            networking: DEFAULT_NETWORKING,
            etcdMembers,
            hostPool: dto.hosts?.pool ?? null,
            hostCount: dto.hosts?.count ?? null,
            hostLabelSelector: dto.hosts?.labelSelector || null,
            waitForHosts: dto.waitForHosts ?? false,
            ttlSeconds: ttlMs === null ? null : Math.round(ttlMs / 1000),
            expiresAt: ttlMs === null ? null : new Date(Date.now() + ttlMs),
            generation: 1,
            observedGeneration: 0,
            deletedAt: null,
          }),
        );
        await this.events.record({ environmentId: env.id, reason: 'Created', message: `environment ${env.name} created (Kubernetes ${kubernetesVersion}, ${env.etcdMembers} etcd member(s))` }, manager);
        if (dto.hosts) {
          const request = { pool: dto.hosts.pool, labelSelector: dto.hosts.labelSelector };
          // first come, first served: idle hosts go to environments already waiting in this lane
          const ahead = await this.waitingEnvironments(manager, { lane: { pool: request.pool, labelSelector: request.labelSelector || null }, excludeId: env.id });
          const { claimed } = ahead.length ? { claimed: [] } : await this.pools.claim(manager, env, request, dto.hosts.count);
          const matching = `pool "${dto.hosts.pool}"${dto.hosts.labelSelector ? ` matching "${dto.hosts.labelSelector}"` : ''}`;
          const queue = ahead.length ? `, and ${ahead.length} environment(s) waiting ahead (${ahead.slice(0, 3).map((w) => `${w.name} needs ${w.need}`).join(', ')}) get idle hosts first` : '';
          if (!claimed.length && !dto.waitForHosts) {
            const idle = await this.pools.countIdle(request);
            throw new ConflictException(`not enough idle hosts in ${matching}: ${idle} free, ${dto.hosts.count} requested${queue}; retry later or set waitForHosts`);
          }
          if (!claimed.length) {
            await this.events.record({ environmentId: env.id, type: 'Warning', reason: 'WaitingForHosts', message: `waiting for ${dto.hosts.count} idle host(s) of ${matching}${queue}` }, manager);
          }
        }
        return env;
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictException(`an environment named "${dto.name}" already exists`);
      throw err;
    }
    await this.jobs.enqueue('provision', { environmentId: saved.id });
    if (saved.expiresAt) await this.jobs.enqueue('expire', { environmentId: saved.id }, { delayMs: saved.expiresAt.getTime() - Date.now() });
    return saved;
  }

  /**
   * Pool environments that would claim hosts now (planPoolHosts: fewer than they asked for, a
   * lost host to replace, repairs not stopped), oldest first, with how many they need.
   * Narrowed to one pool, or to one lane; in a lane, one asking for more hosts than the lane has
   * at all is left out (it waits for hosts to register without holding anyone up).
   */
  private async waitingEnvironments(manager: EntityManager, filter: { pool?: string; lane?: Lane; excludeId?: string; limit?: number } = {}): Promise<WaitingEnvironment[]> {
    const pool = filter.lane?.pool ?? filter.pool ?? null;
    const laneTotal = filter.lane ? await this.pools.countMatching(manager, filter.lane) : null;
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
        const need = this.poolHostsNeeded(env.hostCount, await this.pools.hostStates(manager, env.id, lane.pool));
        if (need <= 0) return 'none';
        const result = await this.pools.claim(manager, env, lane, need);
        claimed = result.claimed.length;
        if (claimed) return 'claimed';
        if (!laneTotals.has(laneKey)) laneTotals.set(laneKey, await this.pools.countMatching(manager, lane));
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

  async list(query: ListEnvironmentsQuery): Promise<{ items: Environment[]; continue?: string }> {
    const limit = query.limit ?? 100;
    const qb = this.environments.createQueryBuilder('e').where(`e.state <> 'deleted'`);
    if (query.state) qb.andWhere('e.state = :state', { state: query.state });
    if (query.labelSelector) whereLabelsMatch(qb, 'e', query.labelSelector);
    if (query.continue) {
      const cursor = decodePageToken(query.continue);
      qb.andWhere('(e.created_at, e.id) > (CAST(:cursorTime AS timestamptz), CAST(:cursorId AS uuid))', { cursorTime: cursor.createdAt, cursorId: cursor.id });
    }
    qb.addSelect(`to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'cursor_time');
    const { entities, raw } = await qb.orderBy('e.created_at', 'ASC').addOrderBy('e.id', 'ASC').limit(limit + 1).getRawAndEntities();
    const items = entities.slice(0, limit);
    if (entities.length <= limit) return { items };
    const last = items[items.length - 1];
    const lastRaw = raw.find((r: Record<string, unknown>) => r.e_id === last.id) as { cursor_time: string };
    return { items, continue: encodePageToken({ createdAt: lastRaw.cursor_time, id: last.id }) };
  }

  /** How many hosts (not removed) each environment has now: the list's host count. */
  async hostCounts(environmentIds: string[]): Promise<Map<string, number>> {
    if (environmentIds.length === 0) return new Map();
    const rows: { environment_id: string; count: string }[] = await this.dataSource.query(
      `SELECT environment_id, count(*) AS count FROM hosts WHERE environment_id = ANY($1::uuid[]) AND state <> 'removed' GROUP BY environment_id`,
      [environmentIds],
    );
    return new Map(rows.map((r) => [r.environment_id, Number(r.count)]));
  }

  /** Finds a live environment by id or by name. */
  async get(idOrName: string): Promise<Environment> {
    const qb = this.environments.createQueryBuilder('e').where(`e.state <> 'deleted'`);
    if (isUuid(idOrName)) qb.andWhere('e.id = :id', { id: idOrName });
    // a string that cannot be a name names nothing (and a NUL in it would be a database error)
    else if (validateDns1123Label(idOrName) !== null) throw new NotFoundException(`environment ${idOrName} not found`);
    else qb.andWhere('e.name = :name', { name: idOrName });
    const env = await qb.getOne();
    if (!env) throw new NotFoundException(`environment ${idOrName} not found`);
    return env;
  }

  async update(idOrName: string, dto: UpdateEnvironmentDto): Promise<Environment> {
    const env = await this.get(idOrName);
    if (env.state === 'deleting') throw new ConflictException(`environment ${env.name} is being deleted`);
    const changes: string[] = [];
    if (dto.labels) {
      env.labels = dto.labels;
      changes.push('labels');
    }
    if (dto.ttl) {
      const ttlMs = parseDuration(dto.ttl);
      env.ttlSeconds = Math.round(ttlMs / 1000);
      env.expiresAt = new Date(Date.now() + ttlMs);
      changes.push(`expiry (now ${env.expiresAt.toISOString()})`);
    }
    if (!changes.length) return env;
    const saved = await this.environments.save(env);
    await this.events.record({ environmentId: env.id, reason: 'Updated', message: `updated ${changes.join(' and ')}` });
    if (dto.ttl && saved.expiresAt) await this.jobs.enqueue('expire', { environmentId: saved.id }, { delayMs: saved.expiresAt.getTime() - Date.now() });
    return saved;
  }

  /** Moves the environment to deleting; the delete job tears it down. Idempotent. */
  async requestDeletion(idOrName: string, reason = 'DeletionRequested'): Promise<Environment> {
    const env = await this.get(idOrName);
    if (env.state !== 'deleting') {
      assertTransition(env.state, 'deleting');
      await this.dataSource.transaction(async (manager) => {
        await manager.getRepository(Environment).update(env.id, { state: 'deleting', stateReason: reason });
        await this.events.record({ environmentId: env.id, reason, message: `environment ${env.name} is being deleted` }, manager);
      });
      env.state = 'deleting';
      env.stateReason = reason;
    }
    await this.jobs.enqueue('delete', { environmentId: env.id });
    return env;
  }
}
