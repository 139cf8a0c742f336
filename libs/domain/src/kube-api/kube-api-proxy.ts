/** The prefix under which the server serves each environment's Kubernetes API. */
export const KUBE_API_PREFIX = '/k8s/environments/';

export interface KubeApiTarget {
  environment: string;
  /** the path and query to send to the apiserver, starting with / */
  path: string;
}

const ENVIRONMENT_SEGMENT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `/k8s/environments/{env}/api/v1/pods?watch=1` -> { environment, path: '/api/v1/pods?watch=1' }.
 * Null for paths outside the prefix or with an environment name no environment can have.
 */
export function parseKubeApiPath(url: string): KubeApiTarget | null {
  if (!url.startsWith(KUBE_API_PREFIX)) return null;
  const rest = url.slice(KUBE_API_PREFIX.length);
  const end = rest.search(/[/?]/);
  const environment = end < 0 ? rest : rest.slice(0, end);
  if (!ENVIRONMENT_SEGMENT.test(environment) || environment.length > 63) return null;
  const tail = end < 0 ? '' : rest.slice(end);
  const path = tail === '' ? '/' : tail.startsWith('?') ? `/${tail}` : tail;
  // a path that climbs out (/../) would reach the apiserver unchanged but must not confuse our own checks
  if (/(^|\/)\.\.?(\/|\?|$)/.test(path.split('?')[0])) return null;
  return { environment, path };
}

/** Subresources that run code or open a channel into a pod or node, even on GET. */
const STREAMING_SUBRESOURCES = /\/(exec|attach|portforward|proxy)(\/|\?|$)/;

/**
 * Whether a request only reads: GET, HEAD or OPTIONS, no protocol upgrade (kubectl exec and
 * port-forward upgrade a GET to WebSocket) and no exec/attach/portforward/proxy subresource.
 * This is what a `read` key may send.
 */
export function isReadOnlyKubeRequest(method: string, path: string, upgrade: boolean): boolean {
  if (upgrade) return false;
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())) return false;
  return !STREAMING_SUBRESOURCES.test(path.split('?')[0]);
}

export interface ApiserverBackend {
  /** stable identity of the backend, e.g. the host id */
  id: string;
  /** its agent reports it healthy and the proxy's last probe of it passed */
  usable: boolean;
  /** the proxy's probes that failed in a row */
  failures: number;
}

/**
 * The backend new requests go to: the current one while it stays usable (one apiserver serves
 * a client's requests in order, its watch cache stays warm), else the first usable one in the
 * given order. When none is usable (a loaded control plane can fail every probe for a moment),
 * the one with the fewest failed probes in a row: trying it beats refusing. Null only for none.
 */
export function pickApiserver<T extends ApiserverBackend>(backends: readonly T[], currentId: string | null): T | null {
  const current = currentId === null ? undefined : backends.find((b) => b.id === currentId && b.usable);
  const usable = current ?? backends.find((b) => b.usable);
  if (usable) return usable;
  return backends.reduce<T | null>((best, b) => (best === null || b.failures < best.failures ? b : best), null);
}

export type KubeAccess = 'read' | 'write';

/** The Kubernetes groups Corral binds: view for read, cluster-admin for write. */
export const KUBE_ACCESS_GROUPS: Record<KubeAccess, string> = { read: 'corral:read', write: 'corral:write' };

/** The user a Corral key acts as in the cluster: its name, prefixed so it cannot pose as a system user. */
export function impersonatedUserName(keyName: string): string {
  const safe = keyName.trim().replace(/[^A-Za-z0-9._@-]+/g, '-').slice(0, 200);
  return `corral:key:${safe || 'unnamed'}`;
}

/** A GET that opens a watch stream (`?watch=1` or `?watch=true`). */
export function isWatchRequest(method: string, path: string): boolean {
  if (method.toUpperCase() !== 'GET') return false;
  const watch = new URLSearchParams(path.split('?')[1] ?? '').get('watch');
  return watch === '1' || watch === 'true';
}

/**
 * The watch path that resumes after `resourceVersion`: what a client would send to re-establish
 * it without missing or repeating events (the initial-events options no longer apply).
 */
export function resumeWatchPath(path: string, resourceVersion: string): string {
  const [base, query = ''] = path.split('?');
  const params = new URLSearchParams(query);
  params.set('resourceVersion', resourceVersion);
  params.delete('resourceVersionMatch');
  params.delete('sendInitialEvents');
  return `${base}?${params.toString()}`;
}

/**
 * The resourceVersion a JSON watch event line carries (its object's, or for a Table its last
 * row's), or null for a line that is not such an event.
 */
export function watchEventResourceVersion(line: string): string | null {
  let event: { type?: unknown; object?: { metadata?: { resourceVersion?: unknown }; rows?: Array<{ object?: { metadata?: { resourceVersion?: unknown } } }> } };
  try {
    event = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof event?.type !== 'string' || event.type === 'ERROR') return null;
  const rows = event.object?.rows;
  const rv = rows?.length ? rows[rows.length - 1]?.object?.metadata?.resourceVersion : event.object?.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : null;
}
