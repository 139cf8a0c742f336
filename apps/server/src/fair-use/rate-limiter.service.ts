import { Inject, Injectable, Logger } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { FairUseRedis } from './fair-use-redis';
import { TooManyRequestsException } from './too-many-requests.exception';

/**
 * Requests per API key per window (CORRAL_RATE_LIMIT per CORRAL_RATE_LIMIT_WINDOW), counted in
 * Redis so the limit holds across replicas. `@nestjs/throttler` is not among the dependencies
 * here; a fixed window counter is one atomic script.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);

  constructor(
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly redis: FairUseRedis,
  ) {}

  /** Counts one request of the key; throws 429 with Retry-After past the limit. */
  async take(apiKeyId: string): Promise<void> {
    const { rateLimit, rateLimitWindowMs } = this.config.limits;
    let counted: { count: number; resetMs: number };
    try {
      counted = await this.redis.countRequest(`${this.redis.prefix}:rate:${apiKeyId}`, rateLimitWindowMs);
    } catch (err) {
      this.logger.warn(`rate limit not checked: ${(err as Error).message}`);
      return;
    }
    if (counted.count > rateLimit) {
      throw new TooManyRequestsException(
        `this API key made more than ${rateLimit} requests in ${rateLimitWindowMs / 1000}s (CORRAL_RATE_LIMIT); try again in ${Math.ceil(counted.resetMs / 1000)}s`,
        Math.max(1, Math.ceil(counted.resetMs / 1000)),
      );
    }
  }
}
