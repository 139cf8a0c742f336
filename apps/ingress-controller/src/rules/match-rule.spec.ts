import fc from 'fast-check';
import type { IngressRule, PathType } from './ingress-rules';
import { matchRule, normalizeHost, pathMatches, wildcardFor } from './match-rule';

const rule = (host: string | null, path: string, pathType: PathType, service: string, ingress = 'web'): IngressRule => ({ namespace: 'shop', ingress, host, path, pathType, service, port: 80 });
const byName = (r: IngressRule) => r.ingress;
const target = (rules: IngressRule[], host: string, path: string) => {
  const m = matchRule(rules, host, path, byName);
  return m.kind === 'matched' ? m.rule.service : m.kind;
};

describe('pathMatches', () => {
  it.each([
    ['/', 'Prefix', '/anything/at/all', true],
    ['/foo', 'Prefix', '/foo', true],
    ['/foo', 'Prefix', '/foo/', true],
    ['/foo/', 'Prefix', '/foo', true],
    ['/foo', 'Prefix', '/foo/bar', true],
    ['/foo', 'Prefix', '/foobar', false],
    ['/foo/bar', 'Prefix', '/foo', false],
    ['/foo', 'ImplementationSpecific', '/foo/bar', true],
    ['/foo', 'Exact', '/foo', true],
    ['/foo', 'Exact', '/foo/', false],
    ['/foo', 'Exact', '/FOO', false],
  ] as const)('%s (%s) vs %s -> %s', (path, pathType, request, expected) => {
    expect(pathMatches({ path, pathType }, request)).toBe(expected);
  });

  it('a Prefix matches every request path that extends it by whole elements', () => {
    const segment = fc.stringMatching(/^[a-z0-9]{1,5}$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), fc.array(segment, { maxLength: 4 }), fc.boolean(), (prefix, rest, slash) => {
        const prefixPath = `/${prefix.join('/')}${slash && prefix.length > 0 ? '/' : ''}`;
        expect(pathMatches({ path: prefixPath, pathType: 'Prefix' }, `/${[...prefix, ...rest].join('/')}`)).toBe(true);
        if (prefix.length > 0) {
          // a longer last element is a different element, not an extension
          const changed = [...prefix.slice(0, -1), `${prefix[prefix.length - 1]}x`, ...rest];
          expect(pathMatches({ path: `/${prefix.join('/')}`, pathType: 'Prefix' }, `/${changed.join('/')}`)).toBe(false);
        }
      }),
    );
  });
});

describe('host handling', () => {
  it('normalizes Host headers', () => {
    expect(normalizeHost('Shop.Example.COM:8080')).toBe('shop.example.com');
    expect(normalizeHost('shop.example.com.')).toBe('shop.example.com');
    expect(normalizeHost('[::1]:80')).toBe('::1');
    expect(normalizeHost('::1')).toBe('::1');
  });

  it('a wildcard covers exactly one leading label', () => {
    expect(wildcardFor('a.example.com')).toBe('*.example.com');
    expect(wildcardFor('localhost')).toBeNull();
    const rules = [rule('*.example.com', '/', 'Prefix', 'wild')];
    expect(target(rules, 'a.example.com', '/')).toBe('wild');
    expect(target(rules, 'a.b.example.com', '/')).toBe('no-host');
    expect(target(rules, 'example.com', '/')).toBe('no-host');
  });
});

describe('matchRule', () => {
  const rules = [
    rule('shop.example.com', '/', 'Prefix', 'front'),
    rule('shop.example.com', '/api', 'Prefix', 'api'),
    rule('shop.example.com', '/api/v1', 'Prefix', 'api-v1'),
    rule('shop.example.com', '/api', 'Exact', 'api-exact'),
    rule('*.example.com', '/', 'Prefix', 'wild'),
    rule('docs.example.com', '/guide', 'Prefix', 'docs'),
    rule(null, '/', 'Prefix', 'catch-all'),
  ];

  it('takes the longest matching path, Exact before Prefix on equal paths', () => {
    expect(target(rules, 'shop.example.com', '/')).toBe('front');
    expect(target(rules, 'shop.example.com', '/cart')).toBe('front');
    expect(target(rules, 'shop.example.com', '/api')).toBe('api-exact');
    expect(target(rules, 'shop.example.com', '/api/')).toBe('api');
    expect(target(rules, 'shop.example.com', '/api/v1/orders')).toBe('api-v1');
  });

  it('prefers the exact host over its wildcard over host-less rules, without falling through', () => {
    expect(target(rules, 'blog.example.com', '/x')).toBe('wild');
    expect(target(rules, 'docs.example.com', '/guide/intro')).toBe('docs');
    expect(target(rules, 'docs.example.com', '/other')).toBe('no-path');
    expect(target(rules, 'other.test', '/x')).toBe('catch-all');
  });

  it('answers no-host when nothing covers the host', () => {
    expect(matchRule(rules.slice(0, 6), 'Other.Test:80', '/', byName)).toEqual({ kind: 'no-host', host: 'other.test' });
    expect(matchRule([], 'a', '/', byName)).toEqual({ kind: 'no-host', host: 'a' });
  });

  it('gives equal routes to the lowest rank (the oldest Ingress), whatever the order', () => {
    const older = rule('a.test', '/', 'Prefix', 'old', 'a-old');
    const newer = rule('a.test', '/', 'Prefix', 'new', 'b-new');
    expect(target([newer, older], 'a.test', '/')).toBe('old');
    expect(target([older, newer], 'a.test', '/')).toBe('old');
  });

  it('ranks an Ingress defaultBackend below a host-less "/" path rule', () => {
    const fallback = { ...rule(null, '/', 'Prefix', 'default-backend', 'a'), defaultBackend: true as const };
    expect(target([fallback, rule(null, '/', 'Prefix', 'path-rule', 'z')], 'x.test', '/')).toBe('path-rule');
  });
});
