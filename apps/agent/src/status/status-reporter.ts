import type { StatusReport } from '@corral/contracts';
import type { Logger } from 'pino';
import { AgentApiClient, UnauthorizedError } from '../client/agent-api-client';
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from '@corral/domain';
import { sleep } from '@corral/domain';
import { Wakeup } from '../util/abortable';

export interface StatusReporterOptions {
  client: AgentApiClient;
  snapshot(): StatusReport;
  heartbeatMs: number;
  debounceMs?: number;
  backoff?: BackoffOptions;
  onUnauthorized(err: UnauthorizedError): void;
  logger: Logger;
}

/**
 * Sends the full status snapshot after changes (at once, then at most one per debounce
 * interval) and on every heartbeat. Each send
 * takes the latest snapshot, so nothing is lost while the server is away: the first send that
 * gets through carries everything. Failures back off with jitter.
 */
export class StatusReporter {
  private readonly wake = new Wakeup();
  private readonly backoff: Backoff;
  private changed = true;
  private lastSentAt = 0;
  private sends = 0;

  constructor(private readonly options: StatusReporterOptions) {
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  notifyChange(): void {
    this.changed = true;
    this.wake.notify();
  }

  get sentCount(): number {
    return this.sends;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { logger } = this.options;
    const debounceMs = this.options.debounceMs ?? 200;
    while (!signal.aborted) {
      const dueIn = this.lastSentAt + this.options.heartbeatMs - Date.now();
      if (!this.changed && dueIn > 0) await this.wake.wait(dueIn, signal);
      if (signal.aborted) break;
      // a change goes out at once; later ones within debounceMs of a send are coalesced
      if (this.changed) await sleep(Math.max(0, this.lastSentAt + debounceMs - Date.now()), signal);
      if (signal.aborted) break;
      if (!this.changed && this.lastSentAt + this.options.heartbeatMs > Date.now()) continue;
      this.changed = false;
      try {
        await this.send(signal);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof UnauthorizedError) {
          this.options.onUnauthorized(err);
          return;
        }
        this.changed = true;
        const delay = this.backoff.next();
        logger.warn({ err: (err as Error).message, retryInMs: delay }, 'status report failed');
        await sleep(delay, signal);
      }
    }
  }

  /** One last report (e.g. components stopped on exit), bounded by timeoutMs; errors are logged. */
  async flush(timeoutMs: number): Promise<void> {
    try {
      await this.send(AbortSignal.timeout(timeoutMs));
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'final status report failed');
    }
  }

  private async send(signal: AbortSignal): Promise<void> {
    const report = this.options.snapshot();
    await this.options.client.putStatus(report, signal);
    this.backoff.reset();
    this.lastSentAt = Date.now();
    this.sends += 1;
    this.options.logger.debug({ observedRevision: report.observedRevision, components: report.components.length }, 'status reported');
  }
}
