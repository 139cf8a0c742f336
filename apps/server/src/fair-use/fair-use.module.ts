import { Global, Module } from '@nestjs/common';
import { FairUseRedis } from './fair-use-redis';
import { KeyRevocations } from './key-revocations';
import { ConnectionCaps } from './connection-caps.service';
import { RateLimiter } from './rate-limiter.service';

/** Per-principal connection caps, per-key rate limits and key revocation across replicas. */
@Global()
@Module({
  providers: [FairUseRedis, KeyRevocations, ConnectionCaps, RateLimiter],
  exports: [KeyRevocations, ConnectionCaps, RateLimiter],
})
export class FairUseModule {}
