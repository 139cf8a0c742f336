import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiKey, ApiKeyScope } from './api-key.entity';
import { generateSecret, hashSecret } from '../crypto/secrets';
import { KeyRevocations } from '../fair-use/key-revocations';

export interface CreatedApiKey {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  /** shown only in this answer */
  key: string;
}

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly revocations: KeyRevocations,
  ) {}

  async create(name: string, scopes: ApiKeyScope[]): Promise<CreatedApiKey> {
    const key = generateSecret('ak');
    const saved = await this.keys.save(this.keys.create({ name, scopes: [...new Set(scopes)], secretHash: hashSecret(key), lastUsedAt: null }));
    return { id: saved.id, name: saved.name, scopes: saved.scopes, createdAt: saved.createdAt, key };
  }

  /** Registers a key whose secret the operator chose (CORRAL_ADMIN_KEY); idempotent. */
  async ensure(name: string, key: string, scopes: ApiKeyScope[]): Promise<void> {
    await this.keys
      .createQueryBuilder()
      .insert()
      .values({ name, scopes, secretHash: hashSecret(key) })
      .orIgnore()
      .execute();
  }

  async authenticate(secret: string): Promise<ApiKey | null> {
    const key = await this.keys.findOne({ where: { secretHash: hashSecret(secret) } });
    if (key && (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000)) {
      await this.keys.update(key.id, { lastUsedAt: new Date() });
    }
    return key;
  }

  list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { createdAt: 'ASC' } });
  }

  async countAdmins(): Promise<number> {
    return this.keys.createQueryBuilder('k').where(`'admin' = ANY(k.scopes)`).getCount();
  }

  async remove(id: string, callerId: string): Promise<void> {
    if (id === callerId) throw new ConflictException('an API key cannot delete itself');
    const result = await this.keys.delete({ id });
    if (!result.affected) throw new NotFoundException(`API key ${id} not found`);
    this.logger.log({ apiKeyId: id }, 'API key deleted');
    // every replica ends what the key still holds open (streams, waits, Kubernetes API requests)
    await this.revocations.publish(id);
  }
}
