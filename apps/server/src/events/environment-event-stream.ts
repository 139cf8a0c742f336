import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { EnvironmentEventView, EnvironmentStreamKind } from '@corral/contracts';
import { EventsService } from './events.service';
import { EnvironmentEventsNotifier } from './environment-events-notifier';
import { EventCursor } from './event-cursor';
import { classifyEvent } from './classify-event';
import type { CorralEvent } from './event.entity';

export interface StreamOptions {
  environmentId: string;
  /** resume after this event id (Last-Event-ID) */
  after: string;
  /** the environment as it is now, or null once it is gone */
  snapshot: () => Promise<unknown | null>;
  signal: AbortSignal;
}

const PAGE = 500;
const KEEPALIVE_MS = 15_000;
/** a stream ends after this long; the client reconnects with Last-Event-ID */
const MAX_LIFETIME_MS = 30 * 60_000;
/** while something sent is unsettled, look again this soon (late commits also wake the stream) */
const SETTLE_MS = 1000;
const RETRY_HINT_MS = 2000;

export function eventView(event: CorralEvent): EnvironmentEventView {
  return {
    id: event.id,
    environmentId: event.environmentId,
    hostId: event.hostId,
    component: event.component,
    type: event.type,
    reason: event.reason,
    message: event.message,
    createdAt: event.createdAt.toISOString(),
    ...(event.repeatCount > 1 ? { repeatCount: event.repeatCount } : {}),
    ...classifyEvent(event),
  };
}

/**
 * Server-Sent Events of one environment: its current view (`environment`), then every event
 * (`id:` event id, `event:` kind) as it is committed by any replica or worker, keep-alive
 * comments while quiet, and `end` once the environment is deleted.
 */
@Injectable()
export class EnvironmentEventStream {
  constructor(
    private readonly events: EventsService,
    private readonly notifier: EnvironmentEventsNotifier,
  ) {}

  async serve(res: Response, options: StreamOptions): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    // the connection ends with the stream: an idle kept-alive socket would hold up a shutdown
    res.setHeader('Connection', 'close');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const write = async (text: string) => {
      if (options.signal.aborted || res.writableEnded) return;
      if (!res.write(text)) await drained(res, options.signal);
    };
    const send = (kind: EnvironmentStreamKind, data: unknown, id?: string) => write(`${id ? `id: ${id}\n` : ''}event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`);

    try {
      await write(`retry: ${RETRY_HINT_MS}\n\n`);
      const first = await options.snapshot();
      if (first) await send('environment', first);
      const cursor = new EventCursor(options.after);
      const started = Date.now();
      let lastWrite = Date.now();
      let gone = !first;
      while (!options.signal.aborted && !this.notifier.closing && Date.now() - started < MAX_LIFETIME_MS) {
        cursor.observe(await this.events.commitHorizon());
        const page = await this.events.listForEnvironment(options.environmentId, cursor.floor, PAGE);
        const fresh = cursor.take(page);
        for (const event of fresh) {
          const view = eventView(event);
          await send(view.kind, view, event.id);
          if (event.reason === 'Deleted') gone = true;
        }
        if (fresh.length) lastWrite = Date.now();
        if (page.length === PAGE) continue; // catching up
        if (gone) {
          await send('end', { reason: 'Deleted' });
          break;
        }
        if (Date.now() - lastWrite >= KEEPALIVE_MS) {
          await write(': keep-alive\n\n');
          lastWrite = Date.now();
          // a quiet stream checks that its environment still exists
          if (!(await options.snapshot())) gone = true;
          continue;
        }
        await this.notifier.waitForEvent(options.environmentId, cursor.unsettled ? SETTLE_MS : KEEPALIVE_MS - (Date.now() - lastWrite), options.signal);
      }
    } finally {
      if (!res.writableEnded) res.end();
    }
  }
}

function drained(res: Response, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done);
  });
}
