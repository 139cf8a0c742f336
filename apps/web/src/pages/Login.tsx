import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';

/** The API key is checked against the API before it is kept (in sessionStorage, for this tab only). */
export function Login({ onLogin, notice }: { onLogin: (key: string) => void; notice?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('GET', '/v1/environments?limit=1', undefined, key.trim());
      onLogin(key.trim());
    } catch (err) {
      const e = err as ApiError;
      setError(e.status === 401 ? `The server refused this API key: ${e.message}` : e.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="login">
      <h1>Corral</h1>
      {notice && (
        <p role="status" className="error">
          {notice}
        </p>
      )}
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} />
        <p className="muted">Kept for this browser tab only. An admin creates one with POST /v1/api-keys.</p>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
        {error && (
          <p id="login-error" role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
