import { useState } from 'react';
import type { PoolResource, RegistrationTokenCreated } from '@corral/contracts';
import { api, enc } from '../api';
import { useApi } from '../use-api';
import { CopyField, ErrorBox } from '../ui/common';

export function Pools() {
  const pools = useApi<{ items: PoolResource[] }>('/v1/pools', 2000);
  const [pool, setPool] = useState('');
  const [token, setToken] = useState<{ pool: string; t: RegistrationTokenCreated }>();
  const [error, setError] = useState<unknown>();
  const register = async (name: string) => {
    setError(undefined);
    try {
      setToken({ pool: name, t: await api<RegistrationTokenCreated>('POST', `/v1/pools/${enc(name)}/registration-tokens`, { ttl: '1h' }) });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="pools-title">
      <h1 id="pools-title">Pools</h1>
      <ErrorBox error={pools.error} what="Listing pools failed" />
      <div className="scroll">
        <table>
          <caption className="sr-only">Host pools</caption>
          <thead>
            <tr>
              <th scope="col">Pool</th>
              <th scope="col">Free</th>
              <th scope="col">Claimed</th>
              <th scope="col">Unavailable</th>
              <th scope="col">Waiting environments</th>
              <th scope="col">Add hosts</th>
            </tr>
          </thead>
          <tbody>
            {pools.data?.items.map((p) => (
              <tr key={p.name}>
                <td>{p.name}</td>
                <td>{p.hosts.idle}</td>
                <td>{p.hosts.claimed}</td>
                <td>{p.hosts.unavailable}</td>
                <td>{p.waitingEnvironments}</td>
                <td>
                  <button type="button" onClick={() => register(p.name)} aria-label={`Registration command for pool ${p.name}`}>
                    Registration command
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pools.data?.items.length === 0 && <p>No pools yet.</p>}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void register(pool);
        }}
      >
        <label htmlFor="new-pool">New pool</label>
        <input id="new-pool" value={pool} onChange={(e) => setPool(e.target.value)} required />
        <button type="submit">Registration command</button>
      </form>
      <ErrorBox error={error} />
      {token && (
        <div className="add-host">
          <CopyField label="Token" value={token.t.token} />
          <CopyField label="Command" value={token.t.agentCommand} />
          <p className="muted">For pool {token.pool}: many uses, valid for an hour.</p>
        </div>
      )}
    </section>
  );
}
