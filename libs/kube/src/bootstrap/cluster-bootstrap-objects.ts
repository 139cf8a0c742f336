import { createHash } from 'node:crypto';
import { KUBE_ACCESS_GROUPS } from '@corral/domain';

/** A Kubernetes object Corral applies to every cluster it provisions. */
export interface BootstrapObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** the identity (certificate CN) of Corral's ingress controller, as certificate-profiles issues it */
export const INGRESS_CONTROLLER_USER = 'corral:ingress-controller';

/** the identity (certificate CN) the Corral server's Kubernetes API proxy connects as; it may only impersonate */
export const API_PROXY_USER = 'corral:api-proxy';
/** the groups the proxy puts its callers in (KUBE_ACCESS_GROUPS in @corral/domain) and the roles they get */
const ACCESS_GROUP_ROLES = [
  { group: KUBE_ACCESS_GROUPS.read, clusterRole: 'view' },
  { group: KUBE_ACCESS_GROUPS.write, clusterRole: 'cluster-admin' },
];

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'corral' };

/**
 * The RBAC objects Corral's own components need beyond what kube-apiserver bootstraps itself
 * (system:kube-proxy, system:node:*, the controllers' roles are upstream's): the ingress
 * controller reads Ingresses and IngressClasses cluster-wide; the API proxy impersonates its
 * callers, who act as members of corral:read (view) or corral:write (cluster-admin).
 */
export function clusterBootstrapObjects(): BootstrapObject[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'corral:api-proxy', labels: MANAGED_BY },
      rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'corral:api-proxy', labels: MANAGED_BY },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'corral:api-proxy' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: API_PROXY_USER }],
    },
    ...ACCESS_GROUP_ROLES.map(({ group, clusterRole }) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: group, labels: MANAGED_BY },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
    })),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'corral:ingress-controller', labels: MANAGED_BY },
      rules: [{ apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'corral:ingress-controller', labels: MANAGED_BY },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'corral:ingress-controller' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: INGRESS_CONTROLLER_USER }],
    },
  ];
}

/** Short hash of the objects: a cluster that has this set applied needs nothing more. */
export function bootstrapObjectsHash(objects: readonly BootstrapObject[]): string {
  return createHash('sha256').update(JSON.stringify(objects)).digest('hex').slice(0, 16);
}

/** The REST path of an object (cluster-scoped or namespaced), for a server-side apply PATCH. */
export function objectPath(object: BootstrapObject): string {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const plural = `${object.kind.toLowerCase()}${object.kind.endsWith('s') ? 'es' : 's'}`;
  const ns = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${base}${ns}/${plural}/${object.metadata.name}`;
}
