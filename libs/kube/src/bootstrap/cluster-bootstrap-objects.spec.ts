import { API_PROXY_USER, bootstrapObjectsHash, clusterBootstrapObjects, INGRESS_CONTROLLER_USER, objectPath } from './cluster-bootstrap-objects';

const find = (kind: string, name: string) => clusterBootstrapObjects().find((o) => o.kind === kind && o.metadata.name === name);

describe('cluster bootstrap objects', () => {
  it('binds the ingress controller to read-only access on Ingresses and IngressClasses', () => {
    const role = find('ClusterRole', 'corral:ingress-controller');
    const binding = find('ClusterRoleBinding', 'corral:ingress-controller');
    expect(role).toMatchObject({ kind: 'ClusterRole', rules: [{ verbs: ['get', 'list', 'watch'], resources: ['ingresses', 'ingressclasses'] }] });
    expect(binding).toMatchObject({ kind: 'ClusterRoleBinding', roleRef: { name: role!.metadata.name }, subjects: [{ kind: 'User', name: INGRESS_CONTROLLER_USER }] });
  });

  it('lets the API proxy impersonate and nothing else, and binds its callers\' groups to view and cluster-admin', () => {
    expect(find('ClusterRole', 'corral:api-proxy')).toMatchObject({ rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }] });
    expect(find('ClusterRoleBinding', 'corral:api-proxy')).toMatchObject({ roleRef: { name: 'corral:api-proxy' }, subjects: [{ kind: 'User', name: API_PROXY_USER }] });
    expect(find('ClusterRoleBinding', 'corral:read')).toMatchObject({ roleRef: { name: 'view' }, subjects: [{ kind: 'Group', name: 'corral:read' }] });
    expect(find('ClusterRoleBinding', 'corral:write')).toMatchObject({ roleRef: { name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'corral:write' }] });
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
