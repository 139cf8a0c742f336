import type { ApiErrorResponse } from '@corral/contracts';

const KEY = 'corral.apiKey';

/** The API key lives in sessionStorage only: gone when the tab closes. */
export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** the session's key stopped working (revoked, or the server's keys changed): App goes back to the login */
export const UNAUTHORIZED_EVENT = 'corral:unauthorized';

async function request(method: string, path: string, body?: unknown, explicitKey?: string): Promise<Response> {
  const key = explicitKey ?? session.key();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, `the Corral server did not answer: ${(err as Error).message}`);
  }
  if (res.ok) return res;
  const text = await res.text();
  let parsed: Partial<ApiErrorResponse> = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // not the API's error shape (a proxy in between)
  }
  const error = new ApiError(res.status, parsed.message ?? `${res.status} ${res.statusText}: ${text.slice(0, 200)}`, parsed.details ?? []);
  if (res.status === 401 && explicitKey === undefined) window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { detail: error.message }));
  throw error;
}

export async function api<T = any>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const res = await request(method, path, body, key);
  return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
}

/** GET a file with the key and hand it to the browser as a download */
export async function download(path: string, filename: string): Promise<void> {
  const blob = await (await request('GET', path)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const enc = encodeURIComponent;
