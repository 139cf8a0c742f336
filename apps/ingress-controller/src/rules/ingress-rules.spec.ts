import type { V1Ingress } from '@kubernetes/client-node';
import { extractIngressRules, ingressClassOf } from './ingress-rules';

const ingress = (spec: V1Ingress['spec'], metadata: V1Ingress['metadata'] = {}): V1Ingress => ({ metadata: { namespace: 'shop', name: 'web', ...metadata }, spec });
const svc = (name: string, port: number | string) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });

describe('extractIngressRules', () => {
  it('turns every host and path into one rule with its service backend', () => {
    const { rules, skipped } = extractIngressRules(
      ingress({
        rules: [
          { host: 'Shop.Example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('front', 80) }, { path: '/api', pathType: 'Exact', backend: svc('api', 'http') }] } },
          { http: { paths: [{ path: '/health', pathType: 'ImplementationSpecific', backend: svc('health', 8080) }] } },
        ],
      }),
    );
    expect(skipped).toEqual([]);
    expect(rules).toEqual([
      { namespace: 'shop', ingress: 'web', host: 'shop.example.com', path: '/', pathType: 'Prefix', service: 'front', port: 80 },
      { namespace: 'shop', ingress: 'web', host: 'shop.example.com', path: '/api', pathType: 'Exact', service: 'api', port: 'http' },
      { namespace: 'shop', ingress: 'web', host: null, path: '/health', pathType: 'ImplementationSpecific', service: 'health', port: 8080 },
    ]);
  });

  it('keeps spec.defaultBackend as a host-less Prefix "/" rule', () => {
    expect(extractIngressRules(ingress({ defaultBackend: svc('fallback', 80) })).rules).toEqual([
      { namespace: 'shop', ingress: 'web', host: null, path: '/', pathType: 'Prefix', service: 'fallback', port: 80, defaultBackend: true },
    ]);
  });

  it('skips, with a reason, what it cannot route instead of guessing', () => {
    const { rules, skipped } = extractIngressRules(
      ingress({
        defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } },
        rules: [
          { host: 'bad_host', http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('a', 80) }] } },
          { host: 'ok.example.com' },
          {
            host: '*.example.com',
            http: {
              paths: [
                { path: 'relative', pathType: 'Prefix', backend: svc('a', 80) },
                { path: '/x', pathType: 'Regex', backend: svc('a', 80) },
                { path: '/y', pathType: 'Prefix', backend: { service: { name: 'a' } } },
                { path: '/z', pathType: 'Prefix', backend: svc('z', 81) },
              ],
            },
          },
        ],
      }),
    );
    expect(rules).toEqual([{ namespace: 'shop', ingress: 'web', host: '*.example.com', path: '/z', pathType: 'Prefix', service: 'z', port: 81 }]);
    expect(skipped).toEqual([
      'defaultBackend: resource backend StorageBucket/static is not supported, only service backends',
      'rules[0]: host "bad_host" is not a DNS name or *.wildcard',
      'rules[1]: no http paths',
      'rules[2].http.paths[0]: path "relative" does not start with "/"',
      'rules[2].http.paths[1]: pathType "Regex" is not one of Exact, Prefix, ImplementationSpecific',
      'rules[2].http.paths[2]: service a has no port number or name',
    ]);
  });

  it('has no rules for an Ingress without spec', () => {
    expect(extractIngressRules({ metadata: { name: 'empty', namespace: 'a' } })).toEqual({ rules: [], tls: [], skipped: [] });
  });

  it('keeps the tls entries: Secret, namespace and lowercase hosts; one without a Secret is skipped', () => {
    const out = extractIngressRules({ metadata: { name: 't', namespace: 'a' }, spec: { tls: [{ hosts: ['App.Example'], secretName: 's' }, { hosts: ['x.example'] }] } });
    expect(out.tls).toEqual([{ namespace: 'a', secret: 's', hosts: ['app.example'] }]);
    expect(out.skipped).toEqual(['tls[1]: no secretName']);
  });
});

describe('ingressClassOf', () => {
  it('reads spec.ingressClassName, then the legacy annotation', () => {
    expect(ingressClassOf(ingress({ ingressClassName: 'corral' }, { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }))).toBe('corral');
    expect(ingressClassOf(ingress({}, { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }))).toBe('nginx');
    expect(ingressClassOf(ingress({}))).toBeNull();
  });
});
