import type { KubeObject } from './object-lifecycle';
import type { ResourceDef } from './resources';

/** Server-side printing (meta.k8s.io/v1 Table), as kubectl get asks for it. */

interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority: number;
  cell: (o: KubeObject, now: number) => unknown;
}

export function humanAge(createdIso: string | undefined, now: number): string {
  if (!createdIso) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(createdIso)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  return `${d}d`;
}

const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined), o);

const name: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0, cell: (o) => o.metadata?.name };
const age: Column = { name: 'Age', type: 'string', description: 'Age', priority: 0, cell: (o, now) => humanAge(o.metadata?.creationTimestamp, now) };

function nodeStatus(o: KubeObject): string {
  const conds = (get(o, 'status.conditions') as { type: string; status: string }[] | undefined) ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  const s = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  return get(o, 'spec.unschedulable') ? `${s},SchedulingDisabled` : s;
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata?.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r);
  return roles.length ? roles.sort().join(',') : '<none>';
}

function podReady(o: KubeObject): string {
  const containers = ((get(o, 'spec.containers') as unknown[]) ?? []).length;
  const ready = ((get(o, 'status.containerStatuses') as { ready?: boolean }[]) ?? []).filter((c) => c.ready).length;
  return `${ready}/${containers}`;
}

const COLUMNS: Record<string, Column[]> = {
  namespaces: [name, { name: 'Status', type: 'string', description: 'phase', priority: 0, cell: (o) => get(o, 'status.phase') }, age],
  nodes: [
    name,
    { name: 'Status', type: 'string', description: 'node status', priority: 0, cell: nodeStatus },
    { name: 'Roles', type: 'string', description: 'node roles', priority: 0, cell: nodeRoles },
    age,
    { name: 'Version', type: 'string', description: 'kubelet version', priority: 0, cell: (o) => get(o, 'status.nodeInfo.kubeletVersion') ?? '' },
    { name: 'Internal-IP', type: 'string', description: 'internal IP', priority: 1, cell: (o) => ((get(o, 'status.addresses') as { type: string; address: string }[]) ?? []).find((a) => a.type === 'InternalIP')?.address ?? '<none>' },
  ],
  pods: [
    name,
    { name: 'Ready', type: 'string', description: 'ready containers', priority: 0, cell: podReady },
    { name: 'Status', type: 'string', description: 'phase', priority: 0, cell: (o) => get(o, 'status.phase') ?? 'Unknown' },
    { name: 'Restarts', type: 'string', description: 'restarts', priority: 0, cell: (o) => String(((get(o, 'status.containerStatuses') as { restartCount?: number }[]) ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0)) },
    age,
    { name: 'Node', type: 'string', description: 'node', priority: 1, cell: (o) => get(o, 'spec.nodeName') ?? '<none>' },
  ],
  services: [
    name,
    { name: 'Type', type: 'string', description: 'type', priority: 0, cell: (o) => get(o, 'spec.type') ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', description: 'cluster IP', priority: 0, cell: (o) => get(o, 'spec.clusterIP') ?? '<none>' },
    { name: 'Ports', type: 'string', description: 'ports', priority: 0, cell: (o) => ((get(o, 'spec.ports') as { port: number; protocol?: string }[]) ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>' },
    age,
  ],
  configmaps: [name, { name: 'Data', type: 'integer', description: 'keys', priority: 0, cell: (o) => Object.keys((o.data as object) ?? {}).length + Object.keys((o.binaryData as object) ?? {}).length }, age],
  secrets: [
    name,
    { name: 'Type', type: 'string', description: 'type', priority: 0, cell: (o) => o.type ?? 'Opaque' },
    { name: 'Data', type: 'integer', description: 'keys', priority: 0, cell: (o) => Object.keys((o.data as object) ?? {}).length },
    age,
  ],
  ingresses: [
    name,
    { name: 'Class', type: 'string', description: 'class', priority: 0, cell: (o) => get(o, 'spec.ingressClassName') ?? '<none>' },
    { name: 'Hosts', type: 'string', description: 'hosts', priority: 0, cell: (o) => ((get(o, 'spec.rules') as { host?: string }[]) ?? []).map((r) => r.host ?? '*').join(',') || '*' },
    age,
  ],
};

export function toTable(r: ResourceDef, objects: KubeObject[], listMeta: Record<string, unknown>, now = Date.now()): Record<string, unknown> {
  const columns = COLUMNS[r.name] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columns.map(({ name: n, type, format, description, priority }) => ({ name: n, type, format: format ?? '', description, priority })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

/** Whether an Accept header asks for server-side printed tables. */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}
