import { bootstrapObjectsHash, clusterBootstrapObjects, INGRESS_CONTROLLER_USER, objectPath } from './cluster-bootstrap-objects';

describe('cluster bootstrap objects', () => {
  it('binds the ingress controller to read-only access on Ingresses and IngressClasses', () => {
    const [role, binding] = clusterBootstrapObjects();
    expect(role).toMatchObject({ kind: 'ClusterRole', rules: [{ verbs: ['get', 'list', 'watch'], resources: ['ingresses', 'ingressclasses'] }] });
    expect(binding).toMatchObject({ kind: 'ClusterRoleBinding', roleRef: { name: role!.metadata.name }, subjects: [{ kind: 'User', name: INGRESS_CONTROLLER_USER }] });
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
