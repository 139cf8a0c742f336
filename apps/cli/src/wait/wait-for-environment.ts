import type { EnvironmentStateName, EnvironmentWaitResponse } from '@corral/contracts';
import type { CorralClient } from '../client/corral-client';
import { followEnvironmentEvents } from '../client/event-stream';
import { sleep } from '@corral/domain';
import { backoffDelay } from '../client/backoff';
import { ApiError } from '../exit-codes';
import type { ProgressReporter } from '../progress/progress-reporter';

/** one server-side wait at most this long, so proxies never see an idle request for longer */
const MAX_POLL_SECONDS = 60;
const MAX_FAILURES = 20;

export interface WaitOptions {
  target: EnvironmentStateName;
  timeoutMs: number;
  /** aborted on Ctrl-C */
  signal: AbortSignal;
  progress?: ProgressReporter;
  /** show only events after this one */
  afterEventId?: string;
}

export class WaitInterrupted extends Error {}

/**
 * Waits for the environment to reach `target`, fail or time out. The server decides (GET
 * ?waitFor, in slices of at most a minute); the event stream only feeds the progress display,
 * so a dropped stream never changes the outcome. A deleted environment answers 404: reached
 * when waiting for deleted.
 */
export async function waitForEnvironment(client: CorralClient, name: string, options: WaitOptions): Promise<EnvironmentWaitResponse> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const stream = new AbortController();
  const stopStream = () => stream.abort();
  options.signal.addEventListener('abort', stopStream);
  const following = options.progress ? followEnvironmentEvents(client, name, (item) => options.progress!.onItem(item), stream.signal, options.afterEventId).catch(() => undefined) : Promise.resolve();
  let last: EnvironmentWaitResponse | null = null;
  try {
    for (let failures = 0; ; ) {
      if (options.signal.aborted) throw new WaitInterrupted('interrupted');
      const seconds = Math.max(0, Math.min(MAX_POLL_SECONDS, Math.ceil((deadline - Date.now()) / 1000)));
      try {
        last = await client.waitForEnvironment(name, options.target, seconds, options.signal);
        failures = 0;
      } catch (err) {
        if (options.signal.aborted) throw new WaitInterrupted('interrupted');
        if (err instanceof ApiError && err.status === 404 && options.target === 'deleted') {
          return { ...(last ?? ({ name } as EnvironmentWaitResponse)), state: 'deleted', wait: { for: 'deleted', result: 'reached', waitedMs: Date.now() - started } };
        }
        if (err instanceof ApiError && err.status < 500) throw err;
        if (++failures > MAX_FAILURES || Date.now() >= deadline) throw err;
        await sleep(backoffDelay(failures, 500, 5000), options.signal);
        continue;
      }
      if (last.wait?.result !== 'timedOut' || Date.now() >= deadline) return { ...last, wait: { ...last.wait!, waitedMs: Date.now() - started } };
    }
  } finally {
    options.signal.removeEventListener('abort', stopStream);
    stream.abort();
    await following;
  }
}
