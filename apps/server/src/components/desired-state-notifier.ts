import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { RedisWakeups } from '../pubsub/redis-wakeups';

/** Wakes long-polling agents on every server replica when a host's desired state changes. */
@Injectable()
export class DesiredStateNotifier implements OnModuleDestroy {
  private readonly wakeups: RedisWakeups;

  constructor(@Inject(CORRAL_CONFIG) config: CorralConfig) {
    this.wakeups = new RedisWakeups(config.redisUrl, `${config.redisPrefix}:desired-changed`, DesiredStateNotifier.name);
  }

  publish(hostId: string): Promise<void> {
    return this.wakeups.publish(hostId);
  }

  /** Resolves when the host's desired state changes, or after timeoutMs; the caller re-reads. */
  waitForChange(hostId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.wakeups.wait(hostId, timeoutMs, signal);
  }

  onModuleDestroy(): void {
    this.wakeups.close();
  }
}
