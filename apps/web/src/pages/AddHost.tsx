import { useState } from 'react';
import type { EnvironmentResource, RegistrationTokenCreated } from '@corral/contracts';
import { api, enc } from '../api';
import { CopyField, ErrorBox } from '../ui/common';

/** A one-use registration token and the corral-agent line that uses it (the token is shown only now). */
export function AddHost({ env }: { env: EnvironmentResource }) {
  const [token, setToken] = useState<RegistrationTokenCreated>();
  const [error, setError] = useState<unknown>();
  const create = async () => {
    setError(undefined);
    try {
      setToken(await api<RegistrationTokenCreated>('POST', `/v1/environments/${enc(env.name)}/registration-tokens`, { maxUses: 1, ttl: '1h' }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="add-host">
      <button type="button" onClick={create}>
        New host registration command
      </button>
      <ErrorBox error={error} />
      {token && (
        <>
          <CopyField label="Token" value={token.token} />
          <CopyField label="Command" value={token.agentCommand} />
          <p className="muted">One use, valid for an hour; run it as root on the new host.</p>
        </>
      )}
    </div>
  );
}
