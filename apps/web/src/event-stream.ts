import { session } from './api';
import { SseParser, type SseMessage } from './sse-parser';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'ended';

/**
 * The environment's SSE stream read with fetch (EventSource cannot send the API key), resumed
 * after a drop with Last-Event-ID so no event is lost or repeated. Returns a stop function.
 */
export function followEvents(envId: string, onMessage: (m: SseMessage) => void, onStatus: (s: StreamStatus, error?: string) => void): () => void {
  const aborter = new AbortController();
  let lastEventId: string | undefined;
  let retryMs = 2000;

  const run = async () => {
    while (!aborter.signal.aborted) {
      let error: string | undefined;
      try {
        const res = await fetch(`/v1/environments/${encodeURIComponent(envId)}/events`, {
          headers: { accept: 'text/event-stream', authorization: `Bearer ${session.key() ?? ''}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          signal: aborter.signal,
        });
        if (!res.ok || !res.body) {
          const text = await res.text();
          let message = `${res.status}`;
          try {
            message = JSON.parse(text).message ?? message;
          } catch {
            // keep the status
          }
          if (res.status === 404) return onStatus('ended', message);
          throw new Error(message);
        }
        onStatus('live');
        const parser = new SseParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const message of parser.push(value)) {
            if (message.id) lastEventId = message.id;
            if (message.event === 'end') {
              onMessage(message);
              return onStatus('ended');
            }
            onMessage(message);
          }
        }
      } catch (err) {
        if (aborter.signal.aborted) return;
        error = (err as Error).message;
      }
      onStatus('reconnecting', error);
      await new Promise((r) => setTimeout(r, retryMs));
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  };
  onStatus('connecting');
  void run();
  return () => aborter.abort();
}
