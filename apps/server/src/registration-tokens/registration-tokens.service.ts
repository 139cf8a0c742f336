import { Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { parseDuration } from '@corral/domain';
import { HOST_ROLES, type HostRole } from '@corral/contracts';
import { RegistrationToken } from './registration-token.entity';
import { generateSecret, hashSecret } from '../crypto/secrets';

const DEFAULT_TTL = '24h';

export interface TokenScope {
  environmentId: string | null;
  pool: string | null;
}

@Injectable()
export class RegistrationTokensService {
  constructor(@InjectRepository(RegistrationToken) private readonly tokens: Repository<RegistrationToken>) {}

  /**
   * An environment token registers one host unless it says how many (`maxUses`): a leaked token
   * then cannot add hosts to a running environment. A pool token keeps the count it is given
   * (unlimited without one), since pools exist to take many hosts.
   */
  async create(scope: TokenScope, options: { ttl?: string; maxUses?: number; roles?: HostRole[] }) {
    const token = generateSecret('rt');
    const expiresAt = new Date(Date.now() + parseDuration(options.ttl ?? DEFAULT_TTL));
    const maxUses = options.maxUses ?? (scope.environmentId ? 1 : null);
    const roles = options.roles ? HOST_ROLES.filter((role) => options.roles!.includes(role)) : null;
    const saved = await this.tokens.save(this.tokens.create({ ...scope, secretHash: hashSecret(token), expiresAt, maxUses, roles, uses: 0, revokedAt: null }));
    return { id: saved.id, token, expiresAt: saved.expiresAt, maxUses: saved.maxUses, roles: saved.roles };
  }

  list(scope: TokenScope): Promise<RegistrationToken[]> {
    return this.tokens.find({
      where: { environmentId: scope.environmentId ?? IsNull(), pool: scope.pool ?? IsNull() },
      order: { createdAt: 'ASC' },
    });
  }

  async revoke(scope: TokenScope, id: string): Promise<void> {
    const result = await this.tokens.update(
      { id, environmentId: scope.environmentId ?? IsNull(), pool: scope.pool ?? IsNull(), revokedAt: IsNull() },
      { revokedAt: new Date() },
    );
    if (!result.affected) throw new NotFoundException(`registration token ${id} not found`);
  }

  /**
   * The token a registration presents, locked inside the caller's transaction (row lock, so
   * concurrent registrations cannot exceed maxUses). Answers 401 with the reason when it is not
   * valid; whether uses are left is `spend`'s question, since a retried registration spends none.
   */
  async lockForRegistration(secret: string, manager: EntityManager): Promise<RegistrationToken> {
    const token = await manager
      .getRepository(RegistrationToken)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.secret_hash = :hash', { hash: hashSecret(secret) })
      .getOne();
    if (!token) throw new UnauthorizedException('registration token is not valid');
    if (token.revokedAt) throw new UnauthorizedException('registration token was revoked');
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) throw new UnauthorizedException('registration token has expired');
    return token;
  }

  /** Uses a locked token once (401 when it is used up). */
  async spend(token: RegistrationToken, manager: EntityManager): Promise<void> {
    if (token.maxUses !== null && token.uses >= token.maxUses) throw new UnauthorizedException('registration token is used up');
    await manager.getRepository(RegistrationToken).increment({ id: token.id }, 'uses', 1);
  }
}

export function registrationTokenView(token: RegistrationToken) {
  const { id, environmentId, pool, expiresAt, maxUses, uses, roles, revokedAt, createdAt } = token;
  return { id, environmentId, pool, expiresAt, maxUses, uses, roles, revokedAt, createdAt };
}
