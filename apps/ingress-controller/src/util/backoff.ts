export interface BackoffOptions {
  /** first delay */
  baseMs: number;
  /** upper bound of any delay */
  maxMs: number;
  /** fraction of each delay that is randomised away, 0..1, so restarts of many controllers spread out */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, jitter: 0.3 };

/** Exponential backoff with jitter: next() gives base * 2^attempt capped at max, less up to `jitter` of it. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const exponent = Math.min(this.attempt, 30);
    const raw = Math.min(this.options.maxMs, this.options.baseMs * 2 ** exponent);
    const jitter = Math.min(Math.max(this.options.jitter, 0), 1);
    this.attempt += 1;
    return Math.round(raw * (1 - jitter * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
