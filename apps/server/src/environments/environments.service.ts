import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { DEFAULT_KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS } from '@corral/kube';
import { assertTransition, parseDuration, validateDns1123Label } from '@corral/domain';
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
@Injectable()
export class EnvironmentsService {
  constructor(
    @InjectRepository(Environment) private readonly environments: Repository<Environment>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
    private readonly jobs: JobsQueue,
    private readonly pools: HostPoolService,
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
        if (dto.hosts) await this.pools.claimForNewEnvironment(manager, env, dto.hosts, dto.waitForHosts ?? false);
        return env;
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictException(`an environment named "${dto.name}" already exists`);
      throw err;
    }
    await this.jobs.enqueue('reconcile', { environmentId: saved.id });
    if (saved.expiresAt) await this.jobs.enqueue('expire', { environmentId: saved.id }, { delayMs: saved.expiresAt.getTime() - Date.now() });
    return saved;
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
