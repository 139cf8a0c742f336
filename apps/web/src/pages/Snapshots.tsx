import { useEffect, useState } from 'react';
import type { EnvironmentResource } from '@corral/contracts';
import { api, download, enc } from '../api';
import { useApi } from '../use-api';
import { Dialog, ErrorBox, StateBadge, Time } from '../ui/common';
import type { HostDetail } from './HostComponents';

interface Snapshot {
  id: string;
  trigger: string;
  state: string;
  message: string | null;
  sizeBytes: number | null;
  etcdRevision: number | null;
  etcdMember: string | null;
  createdAt: string;
}

const size = (n: number | null) => (n === null ? '—' : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

/** etcd members (from the hosts' etcd components) and snapshots with take, download and restore */
export function Snapshots({ env, tick, etcdHosts }: { env: EnvironmentResource; tick: number; etcdHosts?: HostDetail[] }) {
  const path = `/v1/environments/${enc(env.name)}`;
  const list = useApi<{ items: Snapshot[] }>(`${path}/snapshots`);
  const [error, setError] = useState<unknown>();
  const [restoring, setRestoring] = useState<Snapshot>();
  useEffect(() => void list.reload(), [tick, list.reload]);
  // a snapshot being taken is followed until it settles
  const busy = list.data?.items.some((s) => s.state === 'pending' || s.state === 'running');
  useEffect(() => {
    if (!busy) return;
    const t = setInterval(() => void list.reload(), 1000);
    return () => clearInterval(t);
  }, [busy, list.reload]);
  const act = async (fn: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await fn();
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const members = (etcdHosts ?? []).flatMap((h) => h.components.filter((c) => c.kind === 'etcd').map((c) => ({ host: h.hostname, c })));
  return (
    <section aria-labelledby="etcd-title">
      <h2 id="etcd-title">etcd</h2>
      <ul className="members" aria-label="etcd members">
        {members.map(({ host, c }) => (
          <li key={`${host}/${c.name}`}>
            {c.name} on {host}: <span className={`badge ${c.observed?.healthy ? 'cond-True' : 'cond-False'}`}>{c.observed?.healthy ? 'healthy' : (c.observed?.phase ?? 'not reported')}</span>
          </li>
        ))}
        {members.length === 0 && <li className="muted">no etcd member running yet ({env.etcd.members} wanted)</li>}
      </ul>
      <div className="row">
        <button type="button" onClick={() => act(() => api('POST', `${path}/snapshots`, {}))}>
          Take snapshot
        </button>
      </div>
      <ErrorBox error={error ?? list.error} what="Snapshots" />
      <div className="scroll">
        <table className="snapshots">
          <caption className="sr-only">Snapshots of {env.name}</caption>
          <thead>
            <tr>
              <th scope="col">Taken</th>
              <th scope="col">State</th>
              <th scope="col">Trigger</th>
              <th scope="col">Revision</th>
              <th scope="col">Size</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((s) => (
              <tr key={s.id} data-snapshot={s.id}>
                <td>
                  <Time iso={s.createdAt} />
                </td>
                <td>
                  <StateBadge state={s.state} />
                  {s.message && <div className="muted">{s.message}</div>}
                </td>
                <td>{s.trigger}</td>
                <td>{s.etcdRevision ?? '—'}</td>
                <td>{size(s.sizeBytes)}</td>
                <td className="row">
                  {s.state === 'completed' && (
                    <>
                      <button type="button" onClick={() => act(() => download(`${path}/snapshots/${s.id}/data`, `${env.name}-${s.id}.db`))} aria-label={`Download snapshot of revision ${s.etcdRevision}`}>
                        Download
                      </button>
                      <button type="button" onClick={() => setRestoring(s)} aria-label={`Restore snapshot of revision ${s.etcdRevision}`}>
                        Restore
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data?.items.length === 0 && <p>No snapshots yet.</p>}
      <Dialog open={!!restoring} title={`Restore ${env.name} from a snapshot?`} onClose={() => setRestoring(undefined)}>
        <p>The control plane stops while a fresh etcd cluster loads revision {restoring?.etcdRevision}; writes after it are lost.</p>
        <div className="row">
          <button type="button" className="danger" onClick={() => act(async () => (await api('POST', `${path}/restore`, { snapshotId: restoring!.id }), setRestoring(undefined)))}>
            Restore {env.name}
          </button>
          <button type="button" onClick={() => setRestoring(undefined)} autoFocus>
            Cancel
          </button>
        </div>
      </Dialog>
    </section>
  );
}
