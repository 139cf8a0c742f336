import { memo } from 'react';
import type { EnvironmentEventView } from '@corral/contracts';
import type { StreamStatus } from '../event-stream';
import { Time } from '../ui/common';

const LABEL: Record<StreamStatus, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', ended: 'ended' };

const EventRow = memo(function EventRow({ e }: { e: EnvironmentEventView }) {
  return (
    <li className={e.type === 'Warning' ? 'warning' : ''} data-reason={e.reason} data-id={e.id}>
      <Time iso={e.createdAt} /> <strong>{e.reason}</strong>
      {e.component ? <span className="muted"> {e.component}</span> : null}
      <div className="message">{e.message}</div>
    </li>
  );
});

/** newest first; the stream status says whether what is shown is live */
export function EventTimeline({ events, stream }: { events: EnvironmentEventView[]; stream: { status: StreamStatus; error?: string } }) {
  return (
    <>
      <p className={`stream stream-${stream.status}`} role="status">
        Event stream: {LABEL[stream.status]}
        {stream.error ? ` (${stream.error})` : ''}
      </p>
      <ol className="timeline" aria-label="Events, newest first" tabIndex={0}>
        {events.map((e) => (
          <EventRow key={e.id} e={e} />
        ))}
      </ol>
    </>
  );
}
