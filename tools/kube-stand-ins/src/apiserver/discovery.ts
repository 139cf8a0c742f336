import { apiVersionOf, RESOURCES, ResourceDef } from './resources';

const VERBS_LIST = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceList(group: string, version: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    resources.push({
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS_LIST,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      storageVersionHash: Buffer.from(`${r.group}/${r.version}/${r.kind}`).toString('base64').slice(0, 11),
    });
    if (r.hasStatus) resources.push({ name: `${r.name}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function groupsOf(): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const r of RESOURCES) {
    if (!r.group) continue;
    const versions = groups.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    groups.set(r.group, versions);
  }
  return groups;
}

function apiGroup(name: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** Legacy (v1) discovery documents; kubectl and client-go fall back to these from aggregated discovery. */
export function discoveryDocument(path: string, serverAddress: string): Record<string, unknown> | undefined {
  const parts = path.split('/').filter((p) => p);
  if (parts.length === 1 && parts[0] === 'api') {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }
  if (parts.length === 2 && parts[0] === 'api' && parts[1] === 'v1') return resourceList('', 'v1');
  const groups = groupsOf();
  if (parts.length === 1 && parts[0] === 'apis') {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups].map(([name, versions]) => apiGroup(name, versions)) };
  }
  if (parts[0] === 'apis' && parts.length === 2 && groups.has(parts[1])) {
    return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(parts[1], groups.get(parts[1])!) };
  }
  if (parts[0] === 'apis' && parts.length === 3 && groups.get(parts[1])?.includes(parts[2])) return resourceList(parts[1], parts[2]);
  return undefined;
}

export const groupVersionOf = (r: ResourceDef) => apiVersionOf(r);
