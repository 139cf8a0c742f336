import { useState, type FormEvent } from 'react';
import type { EnvironmentResource } from '@corral/contracts';
import { enc } from '../api';
import { Link, navigate, useLocation } from '../router';
import { useApi } from '../use-api';
import { ErrorBox, Labels, StateBadge, Time } from '../ui/common';
import { timeLeft } from '../time';
import { CreateEnvironment } from './CreateEnvironment';

type Item = EnvironmentResource & { hostCount: number };
const PAGE_SIZES = [50, 100, 500];

/** Filter and page live in the URL (?labelSelector=&state=&limit=&continue=), so a reload keeps them. */
export function EnvironmentList() {
  const { query } = useLocation();
  const selector = query.get('labelSelector') ?? '';
  const state = query.get('state') ?? '';
  const limit = Number(query.get('limit')) || 50;
  const cont = query.get('continue') ?? '';
  const params = new URLSearchParams({ limit: String(limit), ...(selector ? { labelSelector: selector } : {}), ...(state ? { state } : {}), ...(cont ? { continue: cont } : {}) });
  const { data, error, loading, reload } = useApi<{ items: Item[]; continue?: string }>(`/v1/environments?${params}`, 5000);
  const [draft, setDraft] = useState(selector);
  const [creating, setCreating] = useState(false);

  const go = (next: Record<string, string>) => {
    const q = new URLSearchParams({ ...(selector ? { labelSelector: selector } : {}), ...(state ? { state } : {}), ...(limit !== 50 ? { limit: String(limit) } : {}), ...next });
    for (const [k, v] of [...q]) if (!v) q.delete(k);
    navigate(`/?${q}`);
  };
  const filter = (e: FormEvent) => {
    e.preventDefault();
    go({ labelSelector: draft, continue: '' });
  };

  return (
    <section aria-labelledby="envs-title">
      <div className="title-row">
        <h1 id="envs-title">Environments</h1>
        <button type="button" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? 'Close the form' : 'Create environment'}
        </button>
      </div>
      {creating && <CreateEnvironment onCreated={(env) => navigate(`/environments/${enc(env.name)}`)} />}
      <form className="filters" onSubmit={filter} role="search">
        <label htmlFor="selector">Label selector</label>
        <input id="selector" placeholder="team=ci, tier in (a,b)" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <label htmlFor="state-filter">State</label>
        <select id="state-filter" value={state} onChange={(e) => go({ state: e.target.value, continue: '' })}>
          <option value="">any</option>
          {['pending', 'provisioning', 'active', 'degraded', 'deleting', 'error'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label htmlFor="page-size">Per page</label>
        <select id="page-size" value={limit} onChange={(e) => go({ limit: e.target.value, continue: '' })}>
          {PAGE_SIZES.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error} what="Listing environments failed" />
      {loading && !data ? (
        <p aria-live="polite">Loading…</p>
      ) : data ? (
        <>
          <div className="scroll">
            <table className="env-list">
              <caption className="sr-only">Environments{selector ? ` matching ${selector}` : ''}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">State</th>
                  <th scope="col">Version</th>
                  <th scope="col">Hosts</th>
                  <th scope="col">TTL left</th>
                  <th scope="col">Labels</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((env) => (
                  <tr key={env.id}>
                    <td>
                      <Link to={`/environments/${enc(env.name)}`}>{env.name}</Link>
                    </td>
                    <td>
                      <StateBadge state={env.state} />
                    </td>
                    <td>{env.kubernetesVersion}</td>
                    <td>{env.hostCount}</td>
                    <td title={env.expiresAt ?? undefined}>{timeLeft(env.expiresAt)}</td>
                    <td>
                      <Labels labels={env.labels} />
                    </td>
                    <td>
                      <Time iso={env.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data.items.length === 0 && <p>No environments{selector || state ? ' match the filter' : ' yet'}.</p>}
          <nav aria-label="Pages" className="pager">
            {cont && (
              <button type="button" onClick={() => history.back()}>
                Previous page
              </button>
            )}
            {data.continue && (
              <button type="button" onClick={() => go({ continue: data.continue! })}>
                Next page
              </button>
            )}
            <button type="button" onClick={() => void reload()}>
              Refresh
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}
