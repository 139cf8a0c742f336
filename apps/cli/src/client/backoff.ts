import { backoffDelay as exponentialDelay } from '@corral/domain';

/** Exponential backoff with full jitter: a random delay up to min(cap, base * 2^attempt). */
export function backoffDelay(attempt: number, baseMs = 250, capMs = 5000, random: () => number = Math.random): number {
  return exponentialDelay(attempt, { baseMs, maxMs: capMs, jitter: 1 }, random);
}
