import { findResource, ResourceDef } from './resources';

/** A request path resolved to a resource (or collection) of the served API. */
export interface ResourceTarget {
  resource: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** the deprecated /api/v1/watch/... form */
  watchPath: boolean;
}

/**
 * Resolves /api/v1/... and /apis/<group>/<version>/... paths, namespaced
 * (/namespaces/<ns>/<resource>[/<name>[/<sub>]]) and cluster-scoped forms. Returns undefined
 * for paths that name no served resource.
 */
export function parseResourcePath(pathname: string): ResourceTarget | undefined {
  const parts = pathname.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const namespaced = findResource(group, version, rest[2]);
    if (namespaced?.namespaced) {
      if (rest.length > 5) return undefined;
      return { resource: namespaced, namespace: rest[1], name: rest[3], subresource: rest[4], watchPath };
    }
  }
  const resource = findResource(group, version, rest[0]);
  if (!resource || rest.length > 3) return undefined;
  if (resource.namespaced && rest.length > 1) return undefined;
  return { resource, name: rest[1], subresource: rest[2], watchPath };
}
