export type WatchPhase = 'connecting' | 'connected' | 'disconnected';

export interface HealthStatus {
  healthy: boolean;
  /** "ok", or why not, for the /healthz body */
  reason: string;
  synced: boolean;
  phase: WatchPhase;
}

export interface WatchHealthOptions {
  /**
   * How long a reconnect after a watch that ended normally (the apiserver's request timeout,
   * client-node's 30 s idle timeout) still counts as connected. Longer than that, or any error,
   * and the controller reports unhealthy.
   */
  reconnectGraceMs: number;
}

/**
 * What the controller knows about its link to the apiserver, from informer and watch events,
 * and whether that is healthy: the initial list was applied (synced) and a watch is connected.
 * Pure state; the caller passes the time.
 */
export class WatchHealth {
  private phase: WatchPhase = 'connecting';
  private since: number;
  /** the current 'connecting' follows a watch that ended without error */
  private graceful = false;
  private synced = false;
  private lastError: string | null = null;
  private connectedAt: number | null = null;
  private lastConnectionMs = 0;
  private nextAttemptAt: number | null = null;

  constructor(
    private readonly options: WatchHealthOptions,
    now: number,
  ) {
    this.since = now;
  }

  /** The informer applied a full list and starts watching from its resource version; true the first time. */
  markSynced(): boolean {
    if (this.synced) return false;
    this.synced = true;
    return true;
  }

  /** A watch request is being made. */
  attempt(now: number): void {
    this.nextAttemptAt = null;
    if (this.phase === 'connecting') return;
    this.phase = 'connecting';
    this.since = now;
    this.graceful = false;
  }

  /** The apiserver answered the watch with 200; events stream. Returns true after an outage. */
  connected(now: number): boolean {
    const recovered = this.lastError !== null;
    this.phase = 'connected';
    this.since = now;
    this.connectedAt = now;
    this.lastError = null;
    return recovered;
  }

  /** A watch stream ended without error (server timeout, idle timeout): the informer reconnects. */
  endedNormally(now: number): void {
    this.recordConnectionLength(now);
    this.phase = 'connecting';
    this.since = now;
    this.graceful = true;
  }

  /** A watch or list failed; `retryAt` when the next attempt is scheduled. */
  failed(reason: string, now: number, retryAt: number | null = null): void {
    this.recordConnectionLength(now);
    if (this.phase !== 'disconnected') this.since = now;
    this.phase = 'disconnected';
    this.lastError = reason;
    if (retryAt !== null) this.nextAttemptAt = retryAt;
  }

  /**
   * How long the connection that ended last had lasted (0 once read), so that a restart loop can
   * reset its backoff after a stable connection and not after one that dropped at once.
   */
  takeLastConnectionMs(): number {
    const ms = this.lastConnectionMs;
    this.lastConnectionMs = 0;
    return ms;
  }

  status(now: number): HealthStatus {
    const base = { synced: this.synced, phase: this.phase };
    const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
    const lastError = this.lastError ? `; last error: ${this.lastError}` : '';
    if (!this.synced) {
      return { ...base, healthy: false, reason: `ingress informer has not synced: initial list of Ingresses not done${lastError}` };
    }
    switch (this.phase) {
      case 'connected':
        return { ...base, healthy: true, reason: 'ok' };
      case 'connecting':
        if (this.graceful && now - this.since <= this.options.reconnectGraceMs) return { ...base, healthy: true, reason: 'ok' };
        return { ...base, healthy: false, reason: `apiserver watch not connected: reconnecting for ${seconds(now - this.since)}${lastError}` };
      case 'disconnected': {
        const retry = this.nextAttemptAt !== null ? `; next attempt in ${seconds(this.nextAttemptAt - now)}` : '';
        return { ...base, healthy: false, reason: `apiserver watch disconnected for ${seconds(now - this.since)}: ${this.lastError}${retry}` };
      }
    }
  }

  private recordConnectionLength(now: number): void {
    if (this.phase === 'connected' && this.connectedAt !== null) this.lastConnectionMs = now - this.connectedAt;
    this.connectedAt = null;
  }
}
