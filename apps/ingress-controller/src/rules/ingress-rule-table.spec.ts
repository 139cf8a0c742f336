import type { V1Ingress } from '@kubernetes/client-node';
import fc from 'fast-check';
import { IngressRuleTable } from './ingress-rule-table';

function ingress(namespace: string, name: string, host: string, paths: Array<[string, string]>, extra: { className?: string; created?: string } = {}): V1Ingress {
  return {
    metadata: { namespace, name, creationTimestamp: (extra.created ? new Date(extra.created) : new Date('2025-01-01T00:00:00Z')) as unknown as Date },
    spec: {
      ingressClassName: extra.className,
      rules: [{ host, http: { paths: paths.map(([path, service]) => ({ path, pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } })) } }],
    },
  };
}

describe('IngressRuleTable', () => {
  it('adds, replaces and removes the rules of each Ingress', () => {
    const table = new IngressRuleTable();
    expect(table.apply(ingress('shop', 'web', 'shop.test', [['/', 'front']]))).toMatchObject({ owned: true, change: 'added' });
    table.apply(ingress('blog', 'web', 'blog.test', [['/', 'blog']]));
    expect(table.ingressCount).toBe(2);
    expect(table.rules().map((r) => `${r.host}${r.path}->${r.namespace}/${r.service}`)).toEqual(['blog.test/->blog/blog', 'shop.test/->shop/front']);

    expect(table.apply(ingress('shop', 'web', 'shop.test', [['/api', 'api']]))).toMatchObject({ owned: true, change: 'updated' });
    expect(table.rules().map((r) => `${r.host}${r.path}->${r.service}`)).toEqual(['blog.test/->blog', 'shop.test/api->api']);

    expect(table.remove('shop', 'web')).toBe(true);
    expect(table.remove('shop', 'web')).toBe(false);
    expect(table.rules().map((r) => r.host)).toEqual(['blog.test']);
    expect(table.match('shop.test', '/api')).toEqual({ kind: 'no-host', host: 'shop.test' });
  });

  it('hands out copies: callers cannot change the table', () => {
    const table = new IngressRuleTable();
    table.apply(ingress('shop', 'web', 'shop.test', [['/', 'front']]));
    table.rules()[0]!.service = 'changed';
    expect(table.rules()[0]!.service).toBe('front');
  });

  it('routes equal host and path to the oldest Ingress', () => {
    const table = new IngressRuleTable();
    table.apply(ingress('b', 'late', 'shop.test', [['/', 'late']], { created: '2025-02-01T00:00:00Z' }));
    table.apply(ingress('z', 'early', 'shop.test', [['/', 'early']], { created: '2025-01-01T00:00:00Z' }));
    const match = table.match('shop.test', '/');
    expect(match.kind === 'matched' && match.rule.service).toBe('early');
  });

  it('with --ingress-class, keeps Ingresses of that class or none, and drops one that moves away', () => {
    const table = new IngressRuleTable('corral');
    expect(table.apply(ingress('a', 'mine', 'a.test', [['/', 'a']], { className: 'corral' })).owned).toBe(true);
    expect(table.apply(ingress('a', 'classless', 'b.test', [['/', 'b']])).owned).toBe(true);
    expect(table.apply(ingress('a', 'theirs', 'c.test', [['/', 'c']], { className: 'nginx' }))).toEqual({ owned: false, ingressClass: 'nginx', removed: false });
    expect(table.apply(ingress('a', 'mine', 'a.test', [['/', 'a']], { className: 'nginx' }))).toEqual({ owned: false, ingressClass: 'nginx', removed: true });
    expect(table.rules().map((r) => r.host)).toEqual(['b.test']);
  });

  it('without a class takes every Ingress', () => {
    const table = new IngressRuleTable();
    expect(table.apply(ingress('a', 'theirs', 'c.test', [['/', 'c']], { className: 'nginx' })).owned).toBe(true);
  });

  it('equals a table rebuilt from the surviving Ingresses, whatever the event sequence', () => {
    const name = fc.constantFrom('a', 'b', 'c');
    const event = fc.oneof(
      fc.record({ op: fc.constant('apply' as const), name, host: fc.constantFrom('x.test', 'y.test'), path: fc.constantFrom('/', '/api', '/api/v1') }),
      fc.record({ op: fc.constant('remove' as const), name }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const table = new IngressRuleTable();
        const live = new Map<string, V1Ingress>();
        for (const e of events) {
          if (e.op === 'apply') {
            const obj = ingress('ns', e.name, e.host, [[e.path, `svc-${e.name}`]]);
            table.apply(obj);
            live.set(e.name, obj);
          } else {
            expect(table.remove('ns', e.name)).toBe(live.delete(e.name));
          }
        }
        const rebuilt = new IngressRuleTable();
        for (const obj of live.values()) rebuilt.apply(obj);
        expect(table.rules()).toEqual(rebuilt.rules());
        expect(table.ingressCount).toBe(live.size);
      }),
    );
  });
});
