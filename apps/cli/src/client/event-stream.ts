import type { EnvironmentEventView, EnvironmentResource } from '@corral/contracts';
import type { CorralClient } from './corral-client';
import { SseParser } from './sse-parser';
import { sleep } from '@corral/domain';
import { backoffDelay } from './backoff';

export type StreamItem = { kind: 'environment'; environment: EnvironmentResource } | { kind: 'event'; event: EnvironmentEventView } | { kind: 'end' };

/**
 * Follows an environment's event stream until stopped or the stream ends (deletion):
 * reconnects after a dropped connection with backoff and jitter, resuming with Last-Event-ID,
 * and hands each event over once. With afterId, only events after that one (else the whole
 * history of the environment first).
 */
export async function followEnvironmentEvents(client: CorralClient, name: string, onItem: (item: StreamItem) => void, signal: AbortSignal, afterId?: string): Promise<void> {
  let lastEventId: string | undefined = afterId;
  const seen = new Set<string>();
  for (let failures = 0; !signal.aborted; ) {
    try {
      const res = await client.request('GET', `/v1/environments/${encodeURIComponent(name)}/events`, {
        accept: 'text/event-stream',
        headers: lastEventId ? { 'last-event-id': lastEventId } : {},
        signal,
        timeoutMs: 24 * 3600_000,
      });
      const parser = new SseParser();
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        failures = 0;
        for (const message of parser.push(decoder.decode(chunk, { stream: true }))) {
          if (message.event === 'end') {
            onItem({ kind: 'end' });
            return;
          }
          const data = JSON.parse(message.data);
          if (message.event === 'environment') onItem({ kind: 'environment', environment: data });
          else if (message.id && !seen.has(message.id)) {
            seen.add(message.id);
            onItem({ kind: 'event', event: data });
          }
        }
        lastEventId = parser.lastEventId ?? lastEventId;
      }
    } catch (err) {
      if (signal.aborted) return;
      // the environment is gone (404) or the key is wrong: nothing to follow
      if ((err as { status?: number }).status && (err as { status: number }).status < 500) return;
    }
    await sleep(backoffDelay(failures++, 500, 10_000), signal);
  }
}
