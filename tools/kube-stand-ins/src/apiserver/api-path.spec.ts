import { parseResourcePath } from './api-path';

interface Want {
  r: string;
  ns?: string;
  name?: string;
  sub?: string;
  watch?: boolean;
}

describe('parseResourcePath', () => {
  it.each<[string, Want]>([
    ['/api/v1/namespaces', { r: 'namespaces' }],
    ['/api/v1/namespaces/x', { r: 'namespaces', name: 'x' }],
    ['/api/v1/namespaces/x/status', { r: 'namespaces', name: 'x', sub: 'status' }],
    ['/api/v1/namespaces/default/pods', { r: 'pods', ns: 'default' }],
    ['/api/v1/namespaces/default/pods/web/status', { r: 'pods', ns: 'default', name: 'web', sub: 'status' }],
    ['/api/v1/pods', { r: 'pods' }],
    ['/api/v1/nodes/n1', { r: 'nodes', name: 'n1' }],
    ['/apis/networking.k8s.io/v1/namespaces/a/ingresses/i', { r: 'ingresses', ns: 'a', name: 'i' }],
    ['/api/v1/watch/namespaces/a/configmaps', { r: 'configmaps', ns: 'a', watch: true }],
  ])('%s', (path, want) => {
    const t = parseResourcePath(path)!;
    expect(t.resource.name).toBe(want.r);
    expect(t.namespace).toBe(want.ns);
    expect(t.name).toBe(want.name);
    expect(t.subresource).toBe(want.sub);
    expect(t.watchPath).toBe(!!want.watch);
  });

  it.each(['/api/v1/deployments', '/apis/apps/v1/deployments', '/api/v1/pods/x', '/api', '/api/v1/namespaces/a/pods/b/c/d'])('%s is not a served resource', (path) => {
    expect(parseResourcePath(path)).toBeUndefined();
  });
});
