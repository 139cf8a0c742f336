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

describe('IngressRuleTable with live instances (corral.dev/scale)', () => {
  const scaled = (name: string, scale?: string): V1Ingress => {
    const base = ingress('shop', name, `${name}.test`, [['/', name]]);
    return { ...base, metadata: { ...base.metadata, uid: `uid-${name}`, annotations: scale === undefined ? {} : { 'corral.dev/scale': scale } } };
  };
  const hostsOf = (table: IngressRuleTable) => table.rules().map((r) => r.host);
  const live = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];

  it('routes every Ingress until the live instances are known', () => {
    const table = new IngressRuleTable();
    for (let i = 0; i < 6; i++) table.apply(scaled(`app${i}`));
    expect(hostsOf(table)).toHaveLength(6);
  });

  it('each Ingress is routed by exactly `scale` of the live instances, and each instance sees only its own', () => {
    const tables = live.map(() => new IngressRuleTable());
    const ingresses = Array.from({ length: 12 }, (_, i) => scaled(`app${i}`, String((i % 3) + 1)));
    for (const [i, table] of tables.entries()) {
      for (const x of ingresses) table.apply(x);
      table.setInstances(live[i]!, live);
    }
    for (const [i, x] of ingresses.entries()) {
      const routedBy = tables.filter((t) => hostsOf(t).includes(`${x.metadata!.name}.test`)).length;
      expect(routedBy).toBe((i % 3) + 1);
    }
    expect(tables[0]!.match('app0.test', '/').kind === 'no-host').toBe(!hostsOf(tables[0]!).includes('app0.test'));
  });

  it('an invalid scale is reported and served by one instance', () => {
    const table = new IngressRuleTable();
    const outcome = table.apply(scaled('app', 'abc'));
    expect(outcome).toMatchObject({ owned: true, scale: 1 });
    expect(outcome.owned && outcome.skipped.join()).toContain('corral.dev/scale "abc" is not a whole number: served by 1 instance');
  });

  it('tells its listeners only when the live set changes', () => {
    const table = new IngressRuleTable();
    let changes = 0;
    table.onChange(() => changes++);
    table.setInstances('10.0.0.1', live);
    table.setInstances('10.0.0.1', [...live].reverse());
    table.setInstances('10.0.0.1', ['10.0.0.2', '10.0.0.3']); // itself always counts
    expect(changes).toBe(1);
    table.setInstances('10.0.0.1', ['10.0.0.2']);
    expect(changes).toBe(2);
  });
});
