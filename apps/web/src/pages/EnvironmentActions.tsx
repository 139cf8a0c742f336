import { useState, type FormEvent } from 'react';
import type { EnvironmentResource } from '@corral/contracts';
import { api, download, enc } from '../api';
import { Dialog, ErrorBox } from '../ui/common';

export function EnvironmentActions({ env, onChanged, onDeleted }: { env: EnvironmentResource; onChanged: () => void; onDeleted: () => void }) {
  const [error, setError] = useState<unknown>();
  const [ttl, setTtl] = useState('');
  const [ttlOpen, setTtlOpen] = useState(false);
  const [deleteOpen, setDeleteOpen] = useState(false);
  const path = `/v1/environments/${enc(env.name)}`;
  const act = async (fn: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  const extend = async (e: FormEvent) => {
    e.preventDefault();
    if (await act(() => api('PATCH', path, { ttl }))) {
      setTtlOpen(false);
      onChanged();
    }
  };
  return (
    <div className="actions">
      <button type="button" onClick={() => act(() => download(`${path}/kubeconfig`, `${env.name}.kubeconfig`))}>
        Download kubeconfig
      </button>
      <button type="button" onClick={() => setTtlOpen(true)}>
        Extend TTL
      </button>
      <button type="button" className="danger" onClick={() => setDeleteOpen(true)} disabled={env.state === 'deleting'}>
        Delete
      </button>
      <ErrorBox error={error} />
      <Dialog open={ttlOpen} title={`New TTL for ${env.name}`} onClose={() => setTtlOpen(false)}>
        <form onSubmit={extend}>
          <label htmlFor="ttl-input">Time to live, counted from now</label>
          <input id="ttl-input" placeholder="e.g. 4h" value={ttl} onChange={(e) => setTtl(e.target.value)} required />
          <ErrorBox error={error} />
          <div className="row">
            <button type="submit">Set TTL</button>
            <button type="button" onClick={() => setTtlOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
      <Dialog open={deleteOpen} title={`Delete environment ${env.name}?`} onClose={() => setDeleteOpen(false)}>
        <p>
          Its hosts are wiped and returned; its etcd data and snapshots are gone. This cannot be undone.
        </p>
        <ErrorBox error={error} />
        <div className="row">
          <button type="button" className="danger" onClick={async () => (await act(() => api('DELETE', path))) && (setDeleteOpen(false), onDeleted())}>
            Delete {env.name}
          </button>
          <button type="button" onClick={() => setDeleteOpen(false)} autoFocus>
            Cancel
          </button>
        </div>
      </Dialog>
    </div>
  );
}
