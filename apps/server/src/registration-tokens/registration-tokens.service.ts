import { Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { parseDuration } from '@corral/domain';
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

  async create(scope: TokenScope, options: { ttl?: string; maxUses?: number }) {
    const token = generateSecret('rt');
    const expiresAt = new Date(Date.now() + parseDuration(options.ttl ?? DEFAULT_TTL));
    const saved = await this.tokens.save(
      this.tokens.create({ ...scope, secretHash: hashSecret(token), expiresAt, maxUses: options.maxUses ?? null, uses: 0, revokedAt: null }),
    );
    return { id: saved.id, token, expiresAt: saved.expiresAt, maxUses: saved.maxUses };
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
   * Uses the token once, inside the caller's transaction (row lock, so concurrent registrations
   * cannot exceed maxUses). Answers 401 with the reason when it cannot be used.
   */
  async consume(secret: string, manager: EntityManager): Promise<TokenScope> {
    const token = await manager
      .getRepository(RegistrationToken)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.secret_hash = :hash', { hash: hashSecret(secret) })
      .getOne();
    if (!token) throw new UnauthorizedException('registration token is not valid');
    if (token.revokedAt) throw new UnauthorizedException('registration token was revoked');
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) throw new UnauthorizedException('registration token has expired');
    if (token.maxUses !== null && token.uses >= token.maxUses) throw new UnauthorizedException('registration token is used up');
    await manager.getRepository(RegistrationToken).increment({ id: token.id }, 'uses', 1);
    return { environmentId: token.environmentId, pool: token.pool };
  }
}

export function registrationTokenView(token: RegistrationToken) {
  const { id, environmentId, pool, expiresAt, maxUses, uses, revokedAt, createdAt } = token;
  return { id, environmentId, pool, expiresAt, maxUses, uses, revokedAt, createdAt };
}
