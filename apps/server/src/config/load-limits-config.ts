import { parseDuration } from '@corral/domain';

/** Fair use, retention and operations settings (issue 12), read with the rest of the configuration. */
export interface LimitsConfig {
  /** concurrent Server-Sent Events streams one API key may hold (CORRAL_MAX_STREAMS_PER_KEY) */
  maxStreamsPerKey: number;
  /** concurrent `waitFor` waits one API key may hold (CORRAL_MAX_WAITS_PER_KEY) */
  maxWaitsPerKey: number;
  /** concurrent desired-state long-polls one host may hold (CORRAL_MAX_LONG_POLLS_PER_HOST) */
  maxLongPollsPerHost: number;
  /** requests one API key may make per window (CORRAL_RATE_LIMIT per CORRAL_RATE_LIMIT_WINDOW) */
  rateLimit: number;
  rateLimitWindowMs: number;
  /** events older than this are pruned (CORRAL_EVENT_RETENTION) */
  eventRetentionMs: number;
  /** how many events one component (or host) keeps of one reason, repeats coalesced (CORRAL_EVENT_REPEAT_CAP) */
  eventRepeatCap: number;
  /** how long an Idempotency-Key is remembered (CORRAL_IDEMPOTENCY_RETENTION) */
  idempotencyRetentionMs: number;
  /** unfinished writes and unreferenced objects in the snapshot store older than this are swept (CORRAL_SNAPSHOT_ORPHAN_GRACE) */
  snapshotOrphanGraceMs: number;
  /** PostgreSQL connections kept for the agent protocol alone, so API load cannot delay heartbeats (CORRAL_AGENT_DB_POOL_SIZE) */
  agentDatabasePoolSize: number;
  /** serve /metrics on this port without a key (CORRAL_METRICS_PORT); null: only on the API port, to API keys */
  metricsPort: number | null;
}

export function loadLimitsConfig(env: Record<string, string | undefined>, problems: string[]): LimitsConfig {
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name]?.trim() || String(fallback);
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
    return value;
  };
  const duration = (name: string, fallback: string): number => {
    const text = env[name]?.trim() || fallback;
    try {
      const ms = parseDuration(text);
      if (ms <= 0) problems.push(`${name} must be a positive duration such as 30d`);
      return ms;
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      return 0;
    }
  };
  const metricsPortText = env.CORRAL_METRICS_PORT?.trim();
  return {
    maxStreamsPerKey: whole('CORRAL_MAX_STREAMS_PER_KEY', 20, 1, 100_000),
    maxWaitsPerKey: whole('CORRAL_MAX_WAITS_PER_KEY', 20, 1, 100_000),
    maxLongPollsPerHost: whole('CORRAL_MAX_LONG_POLLS_PER_HOST', 4, 1, 1000),
    rateLimit: whole('CORRAL_RATE_LIMIT', 1200, 1, 10_000_000),
    rateLimitWindowMs: duration('CORRAL_RATE_LIMIT_WINDOW', '1m'),
    eventRetentionMs: duration('CORRAL_EVENT_RETENTION', '30d'),
    eventRepeatCap: whole('CORRAL_EVENT_REPEAT_CAP', 20, 1, 100_000),
    idempotencyRetentionMs: duration('CORRAL_IDEMPOTENCY_RETENTION', '24h'),
    snapshotOrphanGraceMs: duration('CORRAL_SNAPSHOT_ORPHAN_GRACE', '1h'),
    agentDatabasePoolSize: whole('CORRAL_AGENT_DB_POOL_SIZE', 10, 1, 500),
    metricsPort: metricsPortText ? whole('CORRAL_METRICS_PORT', 0, 0, 65535) : null,
  };
}
