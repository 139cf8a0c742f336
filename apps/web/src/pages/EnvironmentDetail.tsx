import { useCallback, useEffect, useRef, useState } from 'react';
import type { EnvironmentEventView, EnvironmentResource } from '@corral/contracts';
import { api, enc } from '../api';
import { followEvents, type StreamStatus } from '../event-stream';
import { navigate } from '../router';
import { useApi } from '../use-api';
import { ConditionsTable, ErrorBox, Labels, StateBadge, Time } from '../ui/common';
import { timeLeft } from '../time';
import { EnvironmentActions } from './EnvironmentActions';
import { HostComponents, type HostDetail } from './HostComponents';
import { Snapshots } from './Snapshots';
import { Certificates } from './Certificates';
import { AddHost } from './AddHost';
import { EventTimeline } from './EventTimeline';

const KEEP_EVENTS = 300;
/** at most one refresh of the environment and its hosts per this long, however fast events come */
const REFRESH_MS = 400;

export function EnvironmentDetail({ name }: { name: string }) {
  const envPath = `/v1/environments/${enc(name)}`;
  const env = useApi<EnvironmentResource>(envPath);
  const [hosts, setHosts] = useState<HostDetail[]>();
  const [hostsError, setHostsError] = useState<unknown>();
  const [events, setEvents] = useState<EnvironmentEventView[]>([]);
  const [stream, setStream] = useState<{ status: StreamStatus; error?: string }>({ status: 'connecting' });
  const [snapshotTick, setSnapshotTick] = useState(0);

  const loadHosts = useCallback(async () => {
    try {
      setHosts((await api<{ items: HostDetail[] }>('GET', `/v1/hosts?environment=${enc(name)}&components=true`)).items);
      setHostsError(undefined);
    } catch (err) {
      setHostsError(err);
    }
  }, [name]);

  // events arrive in bursts: buffer them and render once a frame; refresh the rest at most every REFRESH_MS
  const pending = useRef<EnvironmentEventView[]>([]);
  const frame = useRef(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const scheduleRefresh = useCallback(() => {
    if (refreshTimer.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = undefined;
      void env.reload();
      void loadHosts();
    }, REFRESH_MS);
  }, [env.reload, loadHosts]);

  useEffect(() => {
    void loadHosts();
    setEvents([]);
    const stop = followEvents(
      name,
      (m) => {
        if (m.event === 'environment' || m.event === 'end') return scheduleRefresh();
        const event = JSON.parse(m.data) as EnvironmentEventView;
        pending.current.push(event);
        if (/Snapshot/.test(event.reason)) setSnapshotTick((t) => t + 1);
        if (!frame.current) {
          frame.current = requestAnimationFrame(() => {
            frame.current = 0;
            const batch = pending.current;
            pending.current = [];
            setEvents((old) => [...batch.reverse(), ...old].slice(0, KEEP_EVENTS));
          });
        }
        scheduleRefresh();
      },
      (status, error) => setStream({ status, error }),
    );
    return () => {
      stop();
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      clearTimeout(refreshTimer.current);
      refreshTimer.current = undefined;
    };
  }, [name, loadHosts, scheduleRefresh]);

  const e = env.data;
  if (!e) return env.error ? <ErrorBox error={env.error} what={`Environment ${name}`} /> : <p aria-live="polite">Loading {name}…</p>;
  return (
    <article aria-labelledby="env-title" className="detail">
      <div className="title-row">
        <h1 id="env-title">
          {e.name} <StateBadge state={e.state} />
        </h1>
        <EnvironmentActions env={e} onChanged={() => void env.reload()} onDeleted={() => navigate('/')} />
      </div>
      <ErrorBox error={env.error} what="Refreshing the environment failed" />
      <dl className="facts">
        <dt>Kubernetes</dt>
        <dd>{e.kubernetesVersion}</dd>
        <dt>TTL left</dt>
        <dd title={e.expiresAt ?? undefined}>{timeLeft(e.expiresAt)}</dd>
        <dt>Hosts</dt>
        <dd>{hosts?.length ?? '…'}</dd>
        <dt>etcd members</dt>
        <dd>{e.etcd.members}</dd>
        <dt>Created</dt>
        <dd>
          <Time iso={e.createdAt} />
        </dd>
        <dt>Labels</dt>
        <dd>
          <Labels labels={e.labels} />
        </dd>
        {e.stateReason && (
          <>
            <dt>Reason</dt>
            <dd>{e.stateReason}</dd>
          </>
        )}
      </dl>
      <section aria-labelledby="conditions-title">
        <h2 id="conditions-title">Conditions</h2>
        <ConditionsTable conditions={e.conditions} caption={`Conditions of ${e.name}`} />
      </section>
      <div className="columns">
        <section aria-labelledby="hosts-title">
          <h2 id="hosts-title">Hosts and components</h2>
          <ErrorBox error={hostsError} what="Loading hosts failed" />
          {hosts?.length === 0 && <p>No hosts yet: add one below.</p>}
          {hosts?.map((h) => <HostComponents key={h.id} host={h} />)}
          <AddHost env={e} />
        </section>
        <section aria-labelledby="events-title">
          <h2 id="events-title">Events</h2>
          <EventTimeline events={events} stream={stream} />
        </section>
      </div>
      <Snapshots env={e} tick={snapshotTick} etcdHosts={hosts} />
      <Certificates env={e} />
    </article>
  );
}
