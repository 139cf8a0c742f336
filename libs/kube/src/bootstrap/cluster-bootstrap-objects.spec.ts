import { API_PROXY_USER, bootstrapObjectsHash, CLUSTER_DNS_USER, clusterBootstrapObjects, INGRESS_CONTROLLER_USER, objectPath } from './cluster-bootstrap-objects';

const find = (kind: string, name: string) => clusterBootstrapObjects().find((o) => o.kind === kind && o.metadata.name === name);

describe('cluster bootstrap objects', () => {
  it('binds the ingress controller to read-only access on Ingresses, IngressClasses, Services and EndpointSlices', () => {
    const role = find('ClusterRole', 'corral:ingress-controller');
    const binding = find('ClusterRoleBinding', 'corral:ingress-controller');
    expect(role).toMatchObject({
      kind: 'ClusterRole',
      rules: [
        { verbs: ['get', 'list', 'watch'], resources: ['ingresses', 'ingressclasses'] },
        { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'create', 'update'] },
      ],
    });
    expect(binding).toMatchObject({ kind: 'ClusterRoleBinding', roleRef: { name: role!.metadata.name }, subjects: [{ kind: 'User', name: INGRESS_CONTROLLER_USER }] });
  });

  it('makes corral the default IngressClass, naming Corral\'s controller', () => {
    expect(find('IngressClass', 'corral')).toMatchObject({
      apiVersion: 'networking.k8s.io/v1',
      metadata: { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'corral.dev/ingress-controller' },
    });
    expect(objectPath(find('IngressClass', 'corral')!)).toBe('/apis/networking.k8s.io/v1/ingressclasses/corral');
  });

  it('lets the API proxy impersonate and nothing else, and binds its callers\' groups to view and cluster-admin', () => {
    expect(find('ClusterRole', 'corral:api-proxy')).toMatchObject({ rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }] });
    expect(find('ClusterRoleBinding', 'corral:api-proxy')).toMatchObject({ roleRef: { name: 'corral:api-proxy' }, subjects: [{ kind: 'User', name: API_PROXY_USER }] });
    expect(find('ClusterRoleBinding', 'corral:read')).toMatchObject({ roleRef: { name: 'view' }, subjects: [{ kind: 'Group', name: 'corral:read' }] });
    expect(find('ClusterRoleBinding', 'corral:write')).toMatchObject({ roleRef: { name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'corral:write' }] });
  });

  it('lets CoreDNS list and watch what its kubernetes plugin serves', () => {
    const role = find('ClusterRole', 'corral:cluster-dns');
    const binding = find('ClusterRoleBinding', 'corral:cluster-dns');
    expect(role).toMatchObject({
      kind: 'ClusterRole',
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    });
    expect(binding).toMatchObject({ roleRef: { name: role!.metadata.name }, subjects: [{ kind: 'User', name: CLUSTER_DNS_USER }] });
  });

  it('routes the kube-dns Service to the hosts\' CoreDNS through an EndpointSlice of their addresses', () => {
    const objects = clusterBootstrapObjects({ serviceIp: '10.43.0.10', servers: [{ address: '10.0.0.3', node: 'n3' }, { address: '10.0.0.2', node: 'n2' }] });
    const service = objects.find((o) => o.kind === 'Service')!;
    const slice = objects.find((o) => o.kind === 'EndpointSlice')!;
    expect(service).toMatchObject({ metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: '10.43.0.10' } });
    expect(service.spec).not.toHaveProperty('selector');
    expect(objectPath(service)).toBe('/api/v1/namespaces/kube-system/services/kube-dns');
    expect(objectPath(slice)).toBe('/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns-corral');
    expect(slice.metadata.labels).toMatchObject({ 'kubernetes.io/service-name': 'kube-dns' });
    expect(slice).toMatchObject({ addressType: 'IPv4', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] });
    expect(slice.endpoints).toEqual([
      { addresses: ['10.0.0.2'], conditions: { ready: true }, nodeName: 'n2' },
      { addresses: ['10.0.0.3'], conditions: { ready: true }, nodeName: 'n3' },
    ]);
    // a host whose CoreDNS stops being healthy changes the set, so it is applied again
    const fewer = clusterBootstrapObjects({ serviceIp: '10.43.0.10', servers: [{ address: '10.0.0.2', node: 'n2' }] });
    expect(bootstrapObjectsHash(fewer)).not.toBe(bootstrapObjectsHash(objects));
  });

  it('maps objects to their REST paths', () => {
    expect(objectPath({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'a' } })).toBe('/apis/rbac.authorization.k8s.io/v1/clusterroles/a');
    expect(objectPath({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'kube-system' } })).toBe('/api/v1/namespaces/kube-system/configmaps/b');
    expect(objectPath({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'c' } })).toBe('/apis/networking.k8s.io/v1/ingressclasses/c');
  });

  it('hashes the set stably and differently when it changes', () => {
    const objects = clusterBootstrapObjects();
    expect(bootstrapObjectsHash(objects)).toBe(bootstrapObjectsHash(clusterBootstrapObjects()));
    expect(bootstrapObjectsHash(objects.slice(1))).not.toBe(bootstrapObjectsHash(objects));
  });
});
