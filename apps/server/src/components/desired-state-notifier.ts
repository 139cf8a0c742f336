import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { redisConnectionOptions } from '../queue/redis-connection';

type Waiter = () => void;

/**
 * Wakes long-polling agents on every server replica when a host's desired state changes:
 * one Redis pub/sub subscription per process, fanned out in memory to the waiting requests.
 */
@Injectable()
export class DesiredStateNotifier implements OnModuleDestroy {
  private readonly logger = new Logger(DesiredStateNotifier.name);
  private readonly channel: string;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private subscribed: Promise<unknown> | null = null;

  constructor(@Inject(CORRAL_CONFIG) private readonly config: CorralConfig) {
    this.channel = `${config.redisPrefix}:desired-changed`;
  }

  async publish(hostId: string): Promise<void> {
    this.publisher ??= new Redis(redisConnectionOptions(this.config.redisUrl));
    await this.publisher.publish(this.channel, hostId);
  }

  /** Resolves when the host's desired state changes, or after timeoutMs; the caller re-reads. */
  async waitForChange(hostId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.ensureSubscribed();
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(hostId) ?? new Set<Waiter>();
      this.waiters.set(hostId, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (!set.size) this.waiters.delete(hostId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done);
      set.add(done);
    });
  }

  private ensureSubscribed(): Promise<unknown> {
    if (!this.subscribed) {
      this.subscriber = new Redis(redisConnectionOptions(this.config.redisUrl));
      this.subscriber.on('message', (_channel: string, hostId: string) => {
        for (const wake of [...(this.waiters.get(hostId) ?? [])]) wake();
      });
      this.subscriber.on('error', (err) => this.logger.warn(`desired-state subscription: ${err.message}`));
      this.subscribed = this.subscriber.subscribe(this.channel);
    }
    return this.subscribed;
  }

  async onModuleDestroy(): Promise<void> {
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }
}
