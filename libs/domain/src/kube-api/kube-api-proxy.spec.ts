import fc from 'fast-check';
import { impersonatedUserName, isReadOnlyKubeRequest, isWatchRequest, parseKubeApiPath, pickApiserver, resumeWatchPath, watchEventResourceVersion } from './kube-api-proxy';

describe('parseKubeApiPath', () => {
  it('splits the environment from the path and keeps the query', () => {
    expect(parseKubeApiPath('/k8s/environments/demo/api/v1/pods?watch=1')).toEqual({ environment: 'demo', path: '/api/v1/pods?watch=1' });
    expect(parseKubeApiPath('/k8s/environments/demo')).toEqual({ environment: 'demo', path: '/' });
    expect(parseKubeApiPath('/k8s/environments/demo?timeout=32s')).toEqual({ environment: 'demo', path: '/?timeout=32s' });
  });

  it('refuses other paths, bad names and climbing paths', () => {
    expect(parseKubeApiPath('/v1/environments/demo')).toBeNull();
    expect(parseKubeApiPath('/k8s/environments/Demo/api')).toBeNull();
    expect(parseKubeApiPath('/k8s/environments//api')).toBeNull();
    expect(parseKubeApiPath('/k8s/environments/demo/../../v1/api-keys')).toBeNull();
    expect(parseKubeApiPath('/k8s/environments/demo/api/..')).toBeNull();
  });

  it('round-trips any environment name and path', () => {
    const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/);
    const segment = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(name, fc.array(segment, { maxLength: 6 }), (env, segments) => {
        const path = `/${segments.join('/')}`;
        expect(parseKubeApiPath(`/k8s/environments/${env}${segments.length ? path : ''}`)).toEqual({ environment: env, path });
      }),
    );
  });
});

describe('isReadOnlyKubeRequest', () => {
  it('lets reads through and stops writes, upgrades and streaming subresources', () => {
    expect(isReadOnlyKubeRequest('GET', '/api/v1/namespaces', false)).toBe(true);
    expect(isReadOnlyKubeRequest('GET', '/api/v1/pods?watch=true', false)).toBe(true);
    expect(isReadOnlyKubeRequest('GET', '/api/v1/namespaces/default/pods/p/log?follow=true', false)).toBe(true);
    expect(isReadOnlyKubeRequest('POST', '/api/v1/namespaces', false)).toBe(false);
    expect(isReadOnlyKubeRequest('GET', '/api/v1/namespaces/default/pods/p/exec?command=sh', true)).toBe(false);
    expect(isReadOnlyKubeRequest('GET', '/api/v1/namespaces/default/pods/p/exec?command=sh', false)).toBe(false);
    expect(isReadOnlyKubeRequest('GET', '/api/v1/nodes/n/proxy/metrics', false)).toBe(false);
  });

  it('never calls a non-GET/HEAD/OPTIONS method read-only', () => {
    fc.assert(
      fc.property(fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT'), fc.string(), fc.boolean(), (method, path, upgrade) => {
        expect(isReadOnlyKubeRequest(method, `/${path}`, upgrade)).toBe(false);
      }),
    );
  });
});

describe('pickApiserver', () => {
  const backend = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), usable: fc.boolean(), failures: fc.nat(5) });

  it('keeps the current backend while usable, else the first usable, else the one failing least', () => {
    fc.assert(
      fc.property(fc.uniqueArray(backend, { selector: (b) => b.id }), fc.option(fc.constantFrom('a', 'b', 'c', 'd')), (backends, current) => {
        const picked = pickApiserver(backends, current);
        if (backends.length === 0) return expect(picked).toBeNull();
        const currentBackend = backends.find((b) => b.id === current);
        if (currentBackend?.usable) return expect(picked).toBe(currentBackend);
        const firstUsable = backends.find((b) => b.usable);
        if (firstUsable) return expect(picked).toBe(firstUsable);
        expect(picked!.failures).toBe(Math.min(...backends.map((b) => b.failures)));
      }),
    );
  });
});

describe('impersonatedUserName', () => {
  it('prefixes the key name and keeps it a plain header value', () => {
    expect(impersonatedUserName('ci-pipeline')).toBe('corral:key:ci-pipeline');
    fc.assert(
      fc.property(fc.string(), (name) => {
        const user = impersonatedUserName(name);
        expect(user.startsWith('corral:key:')).toBe(true);
        expect(user).toMatch(/^[A-Za-z0-9._@:-]+$/);
      }),
    );
  });
});

describe('watch resumption', () => {
  it('knows a watch and resumes it after the last resourceVersion seen', () => {
    expect(isWatchRequest('GET', '/api/v1/pods?watch=true&resourceVersion=10')).toBe(true);
    expect(isWatchRequest('GET', '/api/v1/namespaces/default/pods?watch=1')).toBe(true);
    expect(isWatchRequest('GET', '/api/v1/pods')).toBe(false);
    expect(isWatchRequest('POST', '/api/v1/pods?watch=1')).toBe(false);
    expect(resumeWatchPath('/api/v1/pods?watch=true&resourceVersion=10&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&labelSelector=a%3Db', '42')).toBe(
      '/api/v1/pods?watch=true&resourceVersion=42&labelSelector=a%3Db',
    );
  });

  it('reads the resourceVersion of object and Table events, nothing of errors or noise', () => {
    expect(watchEventResourceVersion('{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"17"}}}')).toBe('17');
    expect(watchEventResourceVersion('{"type":"MODIFIED","object":{"kind":"Table","rows":[{"object":{"metadata":{"resourceVersion":"5"}}},{"object":{"metadata":{"resourceVersion":"9"}}}]}}')).toBe('9');
    expect(watchEventResourceVersion('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"99"}}}')).toBe('99');
    expect(watchEventResourceVersion('{"type":"ERROR","object":{"kind":"Status","code":410}}')).toBeNull();
    expect(watchEventResourceVersion('not json')).toBeNull();
    fc.assert(fc.property(fc.string(), (line) => {
      const rv = watchEventResourceVersion(line);
      expect(rv === null || (typeof rv === 'string' && rv.length > 0)).toBe(true);
    }));
  });
});
