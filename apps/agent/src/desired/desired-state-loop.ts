import type { DesiredState } from '@corral/contracts';
import type { Logger } from 'pino';
import { AgentApiClient, UnauthorizedError } from '../client/agent-api-client';
import { Backoff } from '@corral/domain';
import { sleep } from '@corral/domain';
import { validateDesiredState } from './validate-desired-state';

export interface DesiredStateLoopOptions {
  client: AgentApiClient;
  hostId: string;
  waitSeconds: number;
  /** revision already applied (from the cache), 0 if none */
  initialRevision: number;
  apply(desired: DesiredState): Promise<void>;
  onUnauthorized(err: UnauthorizedError): void;
  logger: Logger;
}

/**
 * Long-polls the server for this host's desired state and applies every new revision.
 * A 200 with the same revision, a 204 or a 304 all mean "nothing changed".
 */
export class DesiredStateLoop {
  private revision: number;

  constructor(private readonly options: DesiredStateLoopOptions) {
    this.revision = options.initialRevision;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { client, logger } = this.options;
    const backoff = new Backoff();
    while (!signal.aborted) {
      try {
        const answer = await client.getDesired(this.revision, this.options.waitSeconds, signal);
        backoff.reset();
        if (!answer || answer.revision === this.revision) continue;
        const desired = validateDesiredState(answer);
        if (desired.hostId !== this.options.hostId) throw new Error(`desired state is for host ${desired.hostId}, not ${this.options.hostId}`);
        if (desired.revision < this.revision) logger.warn({ from: this.revision, to: desired.revision }, 'server revision went backwards; applying it');
        logger.info({ revision: desired.revision, components: desired.components.length }, 'new desired state');
        await this.options.apply(desired);
        this.revision = desired.revision;
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof UnauthorizedError) {
          this.options.onUnauthorized(err);
          return;
        }
        const delay = backoff.next();
        logger.warn({ err: (err as Error).message, retryInMs: delay }, 'desired state poll failed');
        await sleep(delay, signal);
      }
    }
  }
}
