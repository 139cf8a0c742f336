import { createHash } from 'node:crypto';
import { KUBE_ACCESS_GROUPS } from '@corral/domain';

/** A Kubernetes object Corral applies to every cluster it provisions. */
export interface BootstrapObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Corral's IngressClass, the environment's default class, and the controller name it names */
export const INGRESS_CLASS = 'corral';
export const INGRESS_CONTROLLER_NAME = 'corral.dev/ingress-controller';

/** the identity (certificate CN) of Corral's ingress controller, as certificate-profiles issues it */
export const INGRESS_CONTROLLER_USER = 'corral:ingress-controller';

/** the identity (certificate CN) the Corral server's Kubernetes API proxy connects as; it may only impersonate */
export const API_PROXY_USER = 'corral:api-proxy';
/** the groups the proxy puts its callers in (KUBE_ACCESS_GROUPS in @corral/domain) and the roles they get */
const ACCESS_GROUP_ROLES = [
  { group: KUBE_ACCESS_GROUPS.read, clusterRole: 'view' },
  { group: KUBE_ACCESS_GROUPS.write, clusterRole: 'cluster-admin' },
];
/** the identity of every host's CoreDNS (the cluster-dns component) */
export const CLUSTER_DNS_USER = 'corral:cluster-dns';

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'corral' };

/** The kube-dns Service: the environment's DNS service IP, served by the hosts' CoreDNS. */
export interface KubeDnsInput {
  /** spec.clusterIP (the environment's dnsServiceIp) */
  serviceIp: string;
  /** hosts whose CoreDNS answers on their own address, port 53 */
  servers: { address: string; node: string }[];
}

/**
 * The RBAC objects Corral's own components need beyond what kube-apiserver bootstraps itself
 * (system:kube-proxy, system:node:*, the controllers' roles are upstream's): the ingress
 * controller reads Ingresses, IngressClasses, Services and EndpointSlices cluster-wide, and
 * `corral` is the default IngressClass, naming it; it writes Ingress status, its instances and
 * the status leader holding Leases; CoreDNS watches what its
 * `kubernetes` plugin serves; the API proxy impersonates its callers, who act as members of
 * corral:read (view) or corral:write (cluster-admin). With `dns`, also the kube-dns Service
 * (see kubeDnsObjects).
 */
export function clusterBootstrapObjects(dns?: KubeDnsInput): BootstrapObject[] {
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
      rules: [
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
        // the certificates of the Ingresses' tls sections
        { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'create', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'corral:ingress-controller', labels: MANAGED_BY },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'corral:ingress-controller' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: INGRESS_CONTROLLER_USER }],
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: INGRESS_CLASS, labels: MANAGED_BY, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: INGRESS_CONTROLLER_NAME },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'corral:cluster-dns', labels: MANAGED_BY },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'corral:cluster-dns', labels: MANAGED_BY },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'corral:cluster-dns' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CLUSTER_DNS_USER }],
    },
    ...(dns ? kubeDnsObjects(dns) : []),
  ];
}

const DNS_PORTS = [
  { name: 'dns', port: 53, protocol: 'UDP' },
  { name: 'dns-tcp', port: 53, protocol: 'TCP' },
];

/**
 * kube-system/kube-dns without a selector, and the EndpointSlice Corral keeps for it: the hosts'
 * own addresses (an EndpointSlice may not list the link-local address), so kube-proxy sends a
 * query to the Service IP to one of the hosts' CoreDNS. Applied whole, the slice's endpoints
 * (an atomic list) are exactly the given servers.
 */
export function kubeDnsObjects(dns: KubeDnsInput): BootstrapObject[] {
  const servers = [...dns.servers].sort((a, b) => a.address.localeCompare(b.address));
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...MANAGED_BY, 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' } },
      spec: { clusterIP: dns.serviceIp, ports: DNS_PORTS.map((p) => ({ ...p, targetPort: p.port })) },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'kube-dns-corral',
        namespace: 'kube-system',
        labels: { ...MANAGED_BY, 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'corral' },
      },
      addressType: 'IPv4',
      ports: DNS_PORTS,
      endpoints: servers.map((s) => ({ addresses: [s.address], conditions: { ready: true }, nodeName: s.node })),
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
