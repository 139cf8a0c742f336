import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { FairUseRedis } from './fair-use-redis';
import { KeyRevocations } from './key-revocations';
import { TooManyRequestsException } from './too-many-requests.exception';

export type HeldConnectionKind = 'stream' | 'wait' | 'long-poll';

/** A lease outlives a dead process by at most this long; renewed every third of it. */
const LEASE_MS = 30_000;
/** what a client over its cap is told to wait before trying again */
const RETRY_AFTER_SECONDS = 5;

const CAP_NAMES: Record<HeldConnectionKind, { variable: string; what: string }> = {
  stream: { variable: 'CORRAL_MAX_STREAMS_PER_KEY', what: 'open event streams' },
  wait: { variable: 'CORRAL_MAX_WAITS_PER_KEY', what: 'waitFor waits' },
  'long-poll': { variable: 'CORRAL_MAX_LONG_POLLS_PER_HOST', what: 'desired-state long-polls' },
};

/**
 * Caps the connections one principal (an API key, or a host for long-polls) holds open at once,
 * across every replica (leases in Redis). Over the cap: 429 with Retry-After. A held connection
 * gets a signal that aborts when its client goes away or, for an API key, when the key is deleted.
 */
@Injectable()
export class ConnectionCaps {
  private readonly logger = new Logger(ConnectionCaps.name);

  constructor(
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly redis: FairUseRedis,
    private readonly revocations: KeyRevocations,
  ) {}

  /** Takes a slot for the connection until `closed` aborts; throws 429 when the principal holds its cap. */
  async hold(principal: { kind: 'api-key' | 'host'; id: string }, kind: HeldConnectionKind, closed: AbortSignal): Promise<AbortSignal> {
    const cap = kind === 'stream' ? this.config.limits.maxStreamsPerKey : kind === 'wait' ? this.config.limits.maxWaitsPerKey : this.config.limits.maxLongPollsPerHost;
    const key = `${this.redis.prefix}:held:${kind}:${principal.id}`;
    const leaseId = randomUUID();
    let taken = true;
    try {
      taken = await this.redis.takeLease(key, leaseId, cap, LEASE_MS);
    } catch (err) {
      // Redis unreachable: serve (the queue and wake-ups suffer first) rather than refuse everyone
      this.logger.warn(`connection cap not checked: ${(err as Error).message}`);
    }
    if (!taken) {
      const { variable, what } = CAP_NAMES[kind];
      throw new TooManyRequestsException(`this ${principal.kind === 'host' ? 'host' : 'API key'} holds ${cap} ${what} already (${variable}); close one or try again later`, RETRY_AFTER_SECONDS);
    }
    const held = new AbortController();
    const renew = setInterval(() => void this.redis.renewLease(key, leaseId, LEASE_MS).catch(() => undefined), LEASE_MS / 3);
    renew.unref();
    const release = () => {
      clearInterval(renew);
      held.abort();
      void this.redis.dropLease(key, leaseId).catch(() => undefined);
    };
    if (closed.aborted) release();
    else closed.addEventListener('abort', release, { once: true });
    if (principal.kind === 'api-key') this.revocations.watch(principal.id, held.signal, release);
    return held.signal;
  }
}
