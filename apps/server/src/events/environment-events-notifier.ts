import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { RedisWakeups } from '../pubsub/redis-wakeups';

/**
 * Wakes every replica's event streams and waiters of an environment when an event of it is
 * committed, whichever process (API or worker) recorded it.
 */
@Injectable()
export class EnvironmentEventsNotifier implements OnModuleDestroy {
  private readonly wakeups: RedisWakeups;

  constructor(@Inject(CORRAL_CONFIG) config: CorralConfig) {
    this.wakeups = new RedisWakeups(config.redisUrl, `${config.redisPrefix}:environment-events`, EnvironmentEventsNotifier.name);
  }

  /** true once the process shuts down: streams end instead of waiting */
  get closing(): boolean {
    return this.wakeups.isClosed;
  }

  publish(environmentId: string): Promise<void> {
    return this.wakeups.publish(environmentId);
  }

  waitForEvent(environmentId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.wakeups.wait(environmentId, timeoutMs, signal);
  }

  onModuleDestroy(): void {
    this.wakeups.close();
  }
}
