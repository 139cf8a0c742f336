import { useState } from 'react';
import type { EnvironmentResource } from '@corral/contracts';
import { api, ApiError, enc } from '../api';
import { useApi } from '../use-api';
import { ErrorBox, Time } from '../ui/common';

interface Certs {
  certificatesExpireAt: string | null;
  items: { name: string; host: string | null; notAfter: string; serialNumber: string }[];
}

export function Certificates({ env }: { env: EnvironmentResource }) {
  const path = `/v1/environments/${enc(env.name)}`;
  const certs = useApi<Certs>(`${path}/certificates`, 30_000);
  const [error, setError] = useState<unknown>();
  const [rotated, setRotated] = useState(false);
  const notYet = certs.error instanceof ApiError && certs.error.status === 404;
  const rotate = async () => {
    setError(undefined);
    try {
      await api('POST', `${path}/rotate-certificates`, {});
      setRotated(true);
      await certs.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="certs-title">
      <h2 id="certs-title">Certificates</h2>
      {notYet ? (
        <p>{certs.error!.message}</p>
      ) : (
        <>
          <p>
            Earliest expiry: <Time iso={certs.data?.certificatesExpireAt ?? env.certificatesExpireAt} />{' '}
            <button type="button" onClick={rotate}>
              Rotate certificates
            </button>
            {rotated && <span role="status"> Rotation started: components restart one at a time.</span>}
          </p>
          <ErrorBox error={error ?? certs.error} what="Certificates" />
          <details>
            <summary>All {certs.data?.items.length ?? ''} certificates</summary>
            <div className="scroll">
              <table>
                <caption className="sr-only">Certificates of {env.name}, soonest expiry first</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Host</th>
                    <th scope="col">Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {certs.data?.items.map((c) => (
                    <tr key={`${c.host}/${c.name}/${c.serialNumber}`}>
                      <td>{c.name}</td>
                      <td>{c.host ?? '—'}</td>
                      <td>
                        <Time iso={c.notAfter} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
