export interface HealthStatus {
  healthy: boolean;
  /** "ok", or why not */
  reason: string;
}

/** The outcome of the last sync, as /healthz reports it. */
export class SyncHealth {
  private last: { at: Date; errors: readonly string[] } | null = null;

  record(errors: readonly string[], at: Date): void {
    this.last = { at, errors: [...errors] };
  }

  status(): HealthStatus {
    if (!this.last) return { healthy: false, reason: 'no sync has finished yet' };
    if (this.last.errors.length === 0) return { healthy: true, reason: 'ok' };
    return { healthy: false, reason: `last sync (${this.last.at.toISOString()}) failed: ${this.last.errors.join('; ')}` };
  }
}
