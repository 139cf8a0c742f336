import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './api';

/**
 * GET a path, again every `pollMs` when given, and on reload(). Keeps the last good data while a
 * refresh fails, with the error beside it.
 */
export function useApi<T>(path: string | null, pollMs?: number) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const reload = useCallback(async () => {
    if (!path) return;
    const mine = ++seq.current;
    try {
      const body = await api<T>('GET', path);
      if (mine !== seq.current) return;
      setData(body);
      setError(undefined);
    } catch (err) {
      if (mine === seq.current) setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [path]);
  useEffect(() => {
    setLoading(true);
    void reload();
    if (!pollMs) return;
    const timer = setInterval(() => void reload(), pollMs);
    return () => clearInterval(timer);
  }, [reload, pollMs]);
  return { data, error, loading, reload };
}
