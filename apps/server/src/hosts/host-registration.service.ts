import { ConflictException, ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { RegisterResponse } from '@corral/contracts';
import { grantHostRoles } from '@corral/domain';
import { Host } from './host.entity';
import type { RegisterHostDto } from '../agent-protocol/dto/register-host.dto';
import { RegistrationTokensService } from '../registration-tokens/registration-tokens.service';
import type { RegistrationToken } from '../registration-tokens/registration-token.entity';
import { HostPoolService } from './host-pool.service';
import { EventsService } from '../events/events.service';
import { JobsQueue } from '../queue/jobs-queue.service';
import { generateSecret, hashSecret } from '../crypto/secrets';

/** PostgreSQL's unique_violation: two registrations raced for one hostname */
const UNIQUE_VIOLATION = '23505';

/**
 * Registers hosts with a registration token. A hostname is the host's Kubernetes node name (and
 * its kubelet's `system:node:<hostname>` identity), so it is held by one live host per
 * environment and per pool: another host asking for it gets 409 naming the holder. A `lost`
 * holder gives its name up to the newcomer (the machine came back without its state, or was
 * replaced) and is removed; a removed host's name is free. A registration retried with the same
 * registration id (its answer was lost on the way) gets the same host back with a new credential,
 * spending no use of the token.
 */
@Injectable()
export class HostRegistrationService {
  private readonly logger = new Logger(HostRegistrationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: RegistrationTokensService,
    private readonly events: EventsService,
    private readonly jobs: JobsQueue,
    private readonly pools: HostPoolService,
  ) {}

  async register(dto: RegisterHostDto): Promise<RegisterResponse> {
    const credential = generateSecret('hc');
    const { host, replaced } = await this.dataSource
      .transaction(async (manager) => {
        const token = await this.tokens.lockForRegistration(dto.token, manager);
        const retried = dto.registrationId ? await this.retriedRegistration(manager, token, dto.registrationId, dto.hostname) : null;
        if (retried) {
          await manager.getRepository(Host).update(retried.id, { credentialHash: hashSecret(credential) });
          return { host: retried, replaced: [] as Host[] };
        }
        const grant = grantHostRoles(dto.roles ?? [], token.roles);
        if ('refused' in grant) {
          throw new ForbiddenException(`this registration token does not allow the role${grant.refused.length > 1 ? 's' : ''} ${grant.refused.join(', ')} (it allows ${token.roles!.join(', ')})`);
        }
        await this.tokens.spend(token, manager);
        const replaced = await this.takeHostname(manager, token, dto.hostname);
        const repo = manager.getRepository(Host);
        const saved = await repo.save(
          repo.create({
            environmentId: token.environmentId,
            pool: token.pool,
            hostname: dto.hostname,
            addresses: dto.addresses,
            labels: dto.labels ?? {},
            roles: grant.granted,
            agentVersion: dto.agentVersion ?? null,
            state: 'active',
            lastHeartbeatAt: new Date(),
            credentialHash: hashSecret(credential),
            registrationTokenId: token.id,
            registrationKeyHash: dto.registrationId ? hashSecret(dto.registrationId) : null,
            hostnameShared: false,
            desiredRevision: 1,
            observedRevision: 0,
          }),
        );
        await this.events.record(
          { environmentId: saved.environmentId, hostId: saved.id, reason: 'HostRegistered', message: `host ${saved.hostname} (${saved.addresses.join(', ')}) registered` },
          manager,
        );
        return { host: saved, replaced };
      })
      .catch((err: unknown) => {
        // a concurrent registration took the name between our check and our insert
        if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
          throw new ConflictException(`hostname ${dto.hostname} was just registered by another host; choose another --hostname`);
        }
        throw err;
      });
    const environments = new Set([host.environmentId, ...replaced.map((h) => h.environmentId)].filter((id): id is string => !!id));
    for (const environmentId of environments) await this.jobs.enqueue('reconcile', { environmentId });
    // a new pool host may be what an environment is waiting for
    // (best effort: the periodic sweep tries again, and the agent must not register twice)
    if (host.pool) await this.pools.claimHostsForWaiting(host.pool).catch((err) => this.logger.warn(`pool claim after registration: ${(err as Error).message}`));
    return { hostId: host.id, credential, environmentId: host.environmentId, pool: host.pool };
  }

  /** The live host an earlier attempt of this registration (same id, token and hostname) created, if any. */
  private retriedRegistration(manager: EntityManager, token: RegistrationToken, registrationId: string, hostname: string): Promise<Host | null> {
    return manager
      .getRepository(Host)
      .createQueryBuilder('h')
      .setLock('pessimistic_write')
      .where('h.registration_key_hash = :hash', { hash: hashSecret(registrationId) })
      .andWhere('h.registration_token_id = :tokenId', { tokenId: token.id })
      .andWhere('h.hostname = :hostname', { hostname })
      .andWhere(`h.state <> 'removed'`)
      .getOne();
  }

  /**
   * Makes the hostname free in the token's environment or pool: 409 naming a live holder, or
   * removes lost holders (returned). Locks the holders' rows so a heartbeat cannot revive one
   * under our feet.
   */
  private async takeHostname(manager: EntityManager, token: RegistrationToken, hostname: string): Promise<Host[]> {
    const holders = await manager
      .getRepository(Host)
      .createQueryBuilder('h')
      .setLock('pessimistic_write')
      .where('h.hostname = :hostname', { hostname })
      .andWhere(`h.state <> 'removed'`)
      .andWhere(token.environmentId ? 'h.environment_id = :scope' : 'h.pool = :scope', { scope: token.environmentId ?? token.pool })
      .orderBy('h.created_at', 'ASC')
      .getMany();
    const live = holders.find((h) => h.state !== 'lost');
    if (live) {
      const heard = live.lastHeartbeatAt ? `, last heard ${live.lastHeartbeatAt.toISOString()}` : '';
      throw new ConflictException(
        `hostname ${hostname} is held by host ${live.id} (${live.state}${heard}, ${live.addresses.join(', ')}) in this ${token.environmentId ? 'environment' : 'pool'}: ` +
          `remove that host (DELETE /v1/hosts/${live.id}) or register with another --hostname`,
      );
    }
    for (const lost of holders) {
      await manager.getRepository(Host).update(lost.id, { state: 'removed', credentialHash: `removed:${lost.id}` });
      await this.events.record(
        { environmentId: lost.environmentId, hostId: lost.id, type: 'Warning', reason: 'HostReplaced', message: `host ${lost.hostname} (lost) removed: a new host registered with its hostname` },
        manager,
      );
    }
    return holders;
  }
}
