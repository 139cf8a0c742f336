export interface BackoffOptions {
  /** first delay */
  baseMs: number;
  /** upper bound for any delay */
  maxMs: number;
  /** fraction of the delay that is randomised away, 0..1 */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30_000, jitter: 0.2 };

/**
 * Exponential delay for the given attempt (0-based): base * 2^attempt, capped at max, then
 * reduced by up to `jitter` of itself so that many agents retrying together spread out.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const raw = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const jitter = Math.min(Math.max(options.jitter, 0), 1);
  return Math.round(raw * (1 - jitter * random()));
}

/** Stateful helper: next() gives the delay for the following retry, reset() after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const delay = backoffDelay(this.attempt, this.options, this.random);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
