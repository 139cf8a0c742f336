import { useEffect, useId, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ConditionView } from '@corral/contracts';
import { ApiError } from '../api';
import { absoluteTime, relativeTime } from '../time';

/** one clock for every <Time>: a list of 500 rows re-renders its times together, not 500 timers apart */
const clock = {
  now: Date.now(),
  listeners: new Set<() => void>(),
  timer: undefined as ReturnType<typeof setInterval> | undefined,
  subscribe(listener: () => void) {
    clock.listeners.add(listener);
    clock.timer ??= setInterval(() => {
      clock.now = Date.now();
      clock.listeners.forEach((l) => l());
    }, 15_000);
    return () => {
      clock.listeners.delete(listener);
      if (!clock.listeners.size) clock.timer = void clearInterval(clock.timer);
    };
  },
};

/** relative time, the absolute one on hover (and for screen readers via <time datetime>) */
export function Time({ iso }: { iso: string | Date | null | undefined }) {
  useSyncExternalStore(clock.subscribe, () => clock.now);
  if (!iso) return <span>—</span>;
  const s = typeof iso === 'string' ? iso : iso.toISOString();
  return (
    <time dateTime={s} title={absoluteTime(s)}>
      {relativeTime(s)}
    </time>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state-${state}`}>{state}</span>;
}

export function ErrorBox({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  const e = error as ApiError;
  return (
    <div role="alert" className="error">
      <strong>{what ? `${what}: ` : ''}</strong>
      {e.message || String(error)}
      {e.status ? <span className="muted"> (HTTP {e.status})</span> : null}
    </div>
  );
}

export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels ?? {});
  if (!entries.length) return <span className="muted">none</span>;
  return (
    <ul className="labels">
      {entries.map(([k, v]) => (
        <li key={k} className="label">
          {k}={v}
        </li>
      ))}
    </ul>
  );
}

/** conditions whose normal status is False (an operation in progress while True) */
const NORMALLY_FALSE = new Set(['Restoring']);
const failing = (c: ConditionView) => (NORMALLY_FALSE.has(c.type) ? c.status !== 'False' : c.status !== 'True');

export function ConditionsTable({ conditions, caption }: { conditions: ConditionView[]; caption: string }) {
  return (
    <div className="scroll">
      <table className="stack">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {conditions.map((c) => (
            <tr key={c.type} className={failing(c) ? 'failing' : ''}>
              <td>{c.type}</td>
              <td>
                <span className={`badge ${!failing(c) ? 'cond-True' : c.status === 'Unknown' ? 'cond-Unknown' : 'cond-False'}`}>{c.status}</span>
              </td>
              <td>{c.reason}</td>
              <td>
                <pre className="message">{c.message}</pre>
              </td>
              <td>
                <Time iso={c.lastTransitionTime} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A modal <dialog> (focus trapped and Escape handled by the browser) */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

export function CopyField({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  const id = `copy-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="copy">
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          onClick={async () => {
            await navigator.clipboard?.writeText(value).catch(() => undefined);
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          }}
        >
          {copied ? 'Copied' : `Copy ${label.toLowerCase()}`}
        </button>
      </div>
    </div>
  );
}
