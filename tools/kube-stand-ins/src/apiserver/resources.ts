/** The API resources the stand-in serves, with upstream's etcd key layout and field selectors. */
export interface ResourceDef {
  /** "" for the core group */
  group: string;
  version: string;
  /** plural, as in the URL */
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  /** etcd key segment under the prefix, as upstream stores it */
  storagePath: string;
  /** has a /status subresource; the main endpoint then ignores status changes */
  hasStatus: boolean;
  /** PUT on a missing object creates it (upstream AllowCreateOnUpdate) */
  createOnUpdate: boolean;
  /** field selector labels beyond metadata.name / metadata.namespace */
  fieldLabels: string[];
  /** metadata.generation is tracked and bumped when spec changes */
  generation: boolean;
}

const core = (r: Partial<ResourceDef> & Pick<ResourceDef, 'name' | 'singularName' | 'kind' | 'namespaced' | 'storagePath'>): ResourceDef => ({
  group: '',
  version: 'v1',
  shortNames: [],
  hasStatus: false,
  createOnUpdate: false,
  fieldLabels: [],
  generation: false,
  ...r,
});

export const RESOURCES: ResourceDef[] = [
  core({ name: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false, storagePath: 'namespaces', shortNames: ['ns'], hasStatus: true, fieldLabels: ['status.phase'] }),
  core({ name: 'nodes', singularName: 'node', kind: 'Node', namespaced: false, storagePath: 'minions', shortNames: ['no'], hasStatus: true, fieldLabels: ['spec.unschedulable'] }),
  core({
    name: 'pods',
    singularName: 'pod',
    kind: 'Pod',
    namespaced: true,
    storagePath: 'pods',
    shortNames: ['po'],
    hasStatus: true,
    fieldLabels: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  }),
  core({ name: 'services', singularName: 'service', kind: 'Service', namespaced: true, storagePath: 'services/specs', shortNames: ['svc'], hasStatus: true }),
  core({ name: 'endpoints', singularName: 'endpoints', kind: 'Endpoints', namespaced: true, storagePath: 'services/endpoints', shortNames: ['ep'], createOnUpdate: true }),
  core({ name: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true, storagePath: 'configmaps', shortNames: ['cm'] }),
  core({ name: 'secrets', singularName: 'secret', kind: 'Secret', namespaced: true, storagePath: 'secrets', fieldLabels: ['type'] }),
  ...(['clusterroles', 'clusterrolebindings'] as const).map(
    (name): ResourceDef => ({
      ...core({ name, singularName: name.slice(0, -1), kind: name === 'clusterroles' ? 'ClusterRole' : 'ClusterRoleBinding', namespaced: false, storagePath: name }),
      group: 'rbac.authorization.k8s.io',
      // server-side apply of an object that does not exist yet creates it
      createOnUpdate: true,
    }),
  ),
  {
    // Corral applies kube-dns' EndpointSlice (server-side apply creates it)
    ...core({ name: 'endpointslices', singularName: 'endpointslice', kind: 'EndpointSlice', namespaced: true, storagePath: 'endpointslices', createOnUpdate: true }),
    group: 'discovery.k8s.io',
  },
  {
    // the ingress controller's instance and status-leader Leases
    ...core({ name: 'leases', singularName: 'lease', kind: 'Lease', namespaced: true, storagePath: 'leases' }),
    group: 'coordination.k8s.io',
  },
  {
    // Corral applies its IngressClass (server-side apply creates it)
    ...core({ name: 'ingressclasses', singularName: 'ingressclass', kind: 'IngressClass', namespaced: false, storagePath: 'ingressclasses', createOnUpdate: true }),
    group: 'networking.k8s.io',
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    name: 'ingresses',
    singularName: 'ingress',
    kind: 'Ingress',
    namespaced: true,
    storagePath: 'ingress',
    shortNames: ['ing'],
    hasStatus: true,
    createOnUpdate: false,
    fieldLabels: [],
    generation: true,
  },
];

export const apiVersionOf = (r: ResourceDef) => (r.group ? `${r.group}/${r.version}` : r.version);

export function findResource(group: string, version: string, name: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.name === name);
}

export const NAMESPACE_RESOURCE = RESOURCES[0];

/** etcd key of one object, e.g. /registry/pods/default/web-1 */
export function objectKey(prefix: string, r: ResourceDef, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${prefix}/${r.storagePath}/${namespace}/${name}` : `${prefix}/${r.storagePath}/${name}`;
}

/** etcd key prefix of a list: all namespaces when namespace is undefined */
export function listPrefix(prefix: string, r: ResourceDef, namespace: string | undefined): string {
  return r.namespaced && namespace ? `${prefix}/${r.storagePath}/${namespace}/` : `${prefix}/${r.storagePath}/`;
}
