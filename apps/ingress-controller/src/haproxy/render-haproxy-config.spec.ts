import type { IngressRule } from '../rules/ingress-rules';
import { backendName, renderHaproxyConfig, routingMaps } from './render-haproxy-config';

const rule = (host: string | null, path: string, pathType: IngressRule['pathType'], service: string, extra: Partial<IngressRule> = {}): IngressRule => ({ namespace: 'shop', ingress: 'web', host, path, pathType, service, port: 80, ...extra });

describe('routingMaps', () => {
  it('turns a Prefix path into its exact key and its directory beginning, so /api never matches /apix', () => {
    const maps = routingMaps([rule('app.example', '/', 'Prefix', 'front'), rule('app.example', '/api/', 'ImplementationSpecific', 'api')]);
    expect(maps.hostExact).toEqual([['app.example/api', 'shop_api_80']]);
    expect(maps.hostPrefix).toEqual([
      ['app.example/api/', 'shop_api_80'],
      ['app.example/', 'shop_front_80'],
    ]);
  });

  it('lets Exact win over Prefix for the same path, keeps host-less rules apart and takes the default backend', () => {
    const maps = routingMaps([rule('a.example', '/x', 'Prefix', 'p'), rule('a.example', '/x', 'Exact', 'e'), rule(null, '/', 'Prefix', 'any'), rule(null, '/', 'Prefix', 'def', { defaultBackend: true })]);
    expect(maps.hostExact).toEqual([['a.example/x', 'shop_e_80']]);
    expect(maps.anyPrefix).toEqual([['/', 'shop_any_80']]);
    expect(maps.defaultBackend).toBe('shop_def_80');
  });

  it('says which rules it leaves out', () => {
    expect(routingMaps([rule('*.example', '/', 'Prefix', 'w')]).skipped).toEqual(['shop/web: wildcard host *.example is not served yet']);
  });
});

describe('renderHaproxyConfig', () => {
  it('writes one backend per Service port with its slots, empty ones disabled', () => {
    const maps = routingMaps([rule('app.example', '/', 'Prefix', 'front')]);
    const config = renderHaproxyConfig({ bindAddress: '10.0.0.5', httpPort: 80, httpsPort: 443, runDir: '/run/lb' }, maps, new Map([[backendName(rule(null, '/', 'Prefix', 'front')), [{ address: '10.42.0.7', port: 8080 }, null]]]));
    expect(config).toContain('    bind 10.0.0.5:80\n');
    expect(config).toContain('map_beg(/run/lb/host-prefix.map)');
    expect(config).toContain('backend shop_front_80\n    balance roundrobin\n    server s1 10.42.0.7:8080\n    server s2 127.0.0.1:1 disabled\n');
    expect(config).toContain('default_backend no-rule');
    expect(config).not.toContain('ssl');
    // servers of a dead host leave the rotation after 2 failed checks, not after the node's grace period
    expect(config).toContain('defaults\n    mode http\n');
    expect(config).toMatch(/^ {4}default-server check inter 1s fall 2 rise 1$/m);
  });

  it('binds the HTTPS port with the crt-list once there is a certificate', () => {
    const config = renderHaproxyConfig({ bindAddress: '10.0.0.5', httpPort: 80, httpsPort: 443, runDir: '/run/lb' }, routingMaps([]), new Map(), true);
    expect(config).toContain('    bind 10.0.0.5:443 ssl crt-list /run/lb/certs.list\n');
  });
});
