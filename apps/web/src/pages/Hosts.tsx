import type { ConditionView } from '@corral/contracts';
import { useApi } from '../use-api';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, StateBadge, Time } from '../ui/common';

interface HostItem {
  id: string;
  hostname: string;
  pool: string | null;
  environmentId: string | null;
  addresses: string[];
  state: string;
  lastHeartbeatAt: string | null;
  conditions: ConditionView[];
}

const STATES = ['active', 'disconnected', 'lost'];
/** the API has no stream of host changes outside an environment: poll often enough for "within 2 s" */
const POLL_MS = 1000;

export function Hosts() {
  const { query } = useLocation();
  const state = query.get('state') ?? '';
  const pool = query.get('pool') ?? '';
  const params = new URLSearchParams({ ...(state ? { state } : {}), ...(pool ? { pool } : {}) });
  const hosts = useApi<{ items: HostItem[] }>(`/v1/hosts?${params}`, POLL_MS);
  const envs = useApi<{ items: { id: string; name: string }[] }>('/v1/environments?limit=500', 10_000);
  const envName = new Map(envs.data?.items.map((e) => [e.id, e.name]));
  const set = (k: string, v: string) => {
    const q = new URLSearchParams({ ...(state ? { state } : {}), ...(pool ? { pool } : {}), [k]: v });
    for (const [key, value] of [...q]) if (!value) q.delete(key);
    navigate(`/hosts?${q}`);
  };
  const counts = STATES.map((s) => [s, hosts.data?.items.filter((h) => h.state === s).length ?? 0] as const);
  return (
    <section aria-labelledby="hosts-title">
      <h1 id="hosts-title">Hosts</h1>
      <div className="filters">
        <label htmlFor="host-state">State</label>
        <select id="host-state" value={state} onChange={(e) => set('state', e.target.value)}>
          <option value="">any</option>
          {STATES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label htmlFor="host-pool">Pool</label>
        <input id="host-pool" value={pool} onChange={(e) => set('pool', e.target.value)} />
      </div>
      <p aria-label="Hosts by state">{counts.map(([s, n]) => `${n} ${s}`).join(' · ')}</p>
      <ErrorBox error={hosts.error} what="Listing hosts failed" />
      <div className="scroll">
        <table className="hosts">
          <caption className="sr-only">Hosts</caption>
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">State</th>
              <th scope="col">Environment / pool</th>
              <th scope="col">Conditions</th>
              <th scope="col">Heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {hosts.data?.items.map((h) => (
              <tr key={h.id} data-host={h.hostname}>
                <td>
                  {h.hostname}
                  <div className="muted">{h.addresses.join(', ')}</div>
                </td>
                <td>
                  <StateBadge state={h.state} />
                </td>
                <td>
                  {h.environmentId ? <Link to={`/environments/${envName.get(h.environmentId) ?? h.environmentId}`}>{envName.get(h.environmentId) ?? h.environmentId}</Link> : <span className="muted">idle</span>}
                  {h.pool && <div className="muted">pool {h.pool}</div>}
                </td>
                <td>
                  <ul className="conds">
                    {h.conditions?.map((c) => (
                      <li key={c.type} title={c.message}>
                        <span className={`badge cond-${c.status}`}>{c.type}</span> {c.status === 'True' ? '' : c.message}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  <Time iso={h.lastHeartbeatAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {hosts.data?.items.length === 0 && <p>No hosts{state || pool ? ' match' : ' registered yet'}.</p>}
    </section>
  );
}
