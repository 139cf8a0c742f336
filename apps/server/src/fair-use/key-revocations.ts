import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { RedisWakeups } from '../pubsub/redis-wakeups';

const FOREVER_MS = 2 ** 31 - 1;

/**
 * Tells every replica that an API key was deleted, so each ends what that key still holds open
 * (event streams, waits, Kubernetes API requests through the proxy) within moments.
 */
@Injectable()
export class KeyRevocations implements OnModuleDestroy {
  private readonly wakeups: RedisWakeups;

  constructor(@Inject(CORRAL_CONFIG) config: CorralConfig) {
    this.wakeups = new RedisWakeups(config.redisUrl, `${config.redisPrefix}:api-key-revoked`, KeyRevocations.name);
  }

  publish(apiKeyId: string): Promise<void> {
    return this.wakeups.publish(apiKeyId);
  }

  /** Calls onRevoked once when the key is revoked; stops listening when `until` aborts. */
  watch(apiKeyId: string, until: AbortSignal, onRevoked: () => void): void {
    void (async () => {
      while (!until.aborted && !this.wakeups.isClosed) {
        const started = Date.now();
        await this.wakeups.wait(apiKeyId, FOREVER_MS, until);
        // woken early and not by our own end: the key was revoked
        if (!until.aborted && !this.wakeups.isClosed && Date.now() - started < FOREVER_MS) {
          onRevoked();
          return;
        }
      }
    })();
  }

  onModuleDestroy(): void {
    this.wakeups.close();
  }
}
