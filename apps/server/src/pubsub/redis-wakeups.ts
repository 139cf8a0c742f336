import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { redisConnectionOptions } from '../queue/redis-connection';

type Waiter = () => void;
const CLOSED_PACE_MS = 250;

/**
 * Keyed wake-ups across server replicas: publish(key) on any process wakes every wait(key) on
 * every process. One lazy Redis subscription per instance, fanned out in memory to the waiters.
 * A wake-up only says "look again": waiters re-read the database, so a lost message costs at
 * most their timeout. close() wakes everyone and disconnects; after it, a wait only paces its
 * caller's loop (CLOSED_PACE_MS) until the caller sees isClosed or its own resources go away.
 */
export class RedisWakeups {
  private readonly logger: Logger;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private subscribed: Promise<unknown> | null = null;
  private closed = false;

  constructor(
    private readonly redisUrl: string,
    private readonly channel: string,
    loggerName: string,
  ) {
    this.logger = new Logger(loggerName);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async publish(key: string): Promise<void> {
    if (this.closed) return;
    if (!this.publisher) {
      this.publisher = new Redis(redisConnectionOptions(this.redisUrl));
      // ioredis reconnects by itself; a failed publish costs waiters only their timeout
      this.publisher.on('error', (err) => this.logger.warn(`${this.channel} publisher: ${err.message}`));
    }
    await this.publisher.publish(this.channel, key);
  }

  /** Resolves when key is published, after timeoutMs, on abort, or on close; the caller re-reads. */
  async wait(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    if (this.closed) return new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, CLOSED_PACE_MS)));
    await this.ensureSubscribed();
    if (this.closed || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(key) ?? new Set<Waiter>();
      this.waiters.set(key, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (!set.size && this.waiters.get(key) === set) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', done);
      set.add(done);
    });
  }

  private ensureSubscribed(): Promise<unknown> {
    if (!this.subscribed) {
      this.subscriber = new Redis(redisConnectionOptions(this.redisUrl));
      this.subscriber.on('message', (_channel: string, key: string) => {
        for (const wake of [...(this.waiters.get(key) ?? [])]) wake();
      });
      this.subscriber.on('error', (err) => this.logger.warn(`${this.channel} subscription: ${err.message}`));
      this.subscribed = this.subscriber.subscribe(this.channel);
    }
    return this.subscribed;
  }

  close(): void {
    this.closed = true;
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }
}
