import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { redisConnectionOptions } from '../queue/redis-connection';

/**
 * Leases: a sorted set per principal and kind, each member a lease scored by its expiry. Taking
 * one drops expired leases, then adds this one if fewer than the cap remain, in one script, so
 * replicas racing for the last slot cannot both win. A lease is renewed while its connection
 * lives and expires by itself when its process dies.
 */
const TAKE_LEASE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/** A fixed window counter: the count after this request and the window's remaining milliseconds. */
const COUNT_REQUEST = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/** The Redis connection and scripts of the fair-use limits (shared by every replica, so limits hold across them). */
@Injectable()
export class FairUseRedis implements OnModuleDestroy {
  private readonly logger = new Logger(FairUseRedis.name);
  private readonly redis: Redis;
  readonly prefix: string;

  constructor(@Inject(CORRAL_CONFIG) config: CorralConfig) {
    this.redis = new Redis({ ...redisConnectionOptions(config.redisUrl), lazyConnect: true });
    this.redis.on('error', (err) => this.logger.warn(`fair-use redis: ${err.message}`));
    this.prefix = `${config.redisPrefix}:fair-use`;
  }

  async takeLease(key: string, leaseId: string, cap: number, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    return (await this.redis.eval(TAKE_LEASE, 1, key, now, now + leaseMs, cap, leaseId, leaseMs * 2)) === 1;
  }

  async renewLease(key: string, leaseId: string, leaseMs: number): Promise<void> {
    await this.redis.zadd(key, 'XX', Date.now() + leaseMs, leaseId);
    await this.redis.pexpire(key, leaseMs * 2);
  }

  async dropLease(key: string, leaseId: string): Promise<void> {
    await this.redis.zrem(key, leaseId);
  }

  async countRequest(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    const [count, ttl] = (await this.redis.eval(COUNT_REQUEST, 1, key, windowMs)) as [number, number];
    return { count, resetMs: ttl > 0 ? ttl : windowMs };
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
