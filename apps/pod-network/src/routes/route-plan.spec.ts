import fc from 'fast-check';
import type { RouteSpec } from '../config/pod-network-flags';
import { parseRouteList, planRoutes, type InstalledRoute } from './route-plan';

/** what the kernel's main table holds after the plan's commands (replace keys on dst + metric) */
function apply(installed: readonly InstalledRoute[], plan: ReturnType<typeof planRoutes>): InstalledRoute[] {
  let table = installed.filter((r) => !plan.remove.some((x) => x.dst === r.dst && x.metric === r.metric));
  for (const route of plan.replace) {
    table = table.filter((r) => !(r.dst === route.cidr && r.metric === 0));
    table.push({ dst: route.cidr, gateway: route.via, metric: 0 });
  }
  return table;
}

const asInstalled = (desired: readonly RouteSpec[]) => desired.map((r) => ({ dst: r.cidr, gateway: r.via, metric: 0 }));
const sorted = (routes: InstalledRoute[]) => [...routes].sort((a, b) => `${a.dst} ${a.metric}`.localeCompare(`${b.dst} ${b.metric}`));

const cidr = fc.integer({ min: 0, max: 15 }).map((i) => `10.42.${i}.0/24`);
const gateway = fc.integer({ min: 2, max: 6 }).map((i) => `10.0.0.${i}`);
const desiredArb = fc.uniqueArray(fc.record({ cidr, via: gateway }), { selector: (r) => r.cidr, maxLength: 8 });
const installedArb = fc.uniqueArray(
  fc.record({ dst: cidr, gateway: fc.option(gateway, { nil: null }), metric: fc.constantFrom(0, 0, 0, 100) }),
  { selector: (r) => `${r.dst} ${r.metric}`, maxLength: 8 },
);

describe('planRoutes', () => {
  it('adds missing routes, repoints changed ones and removes those of hosts that left', () => {
    const plan = planRoutes(
      [
        { cidr: '10.42.2.0/24', via: '10.0.0.3' },
        { cidr: '10.42.3.0/24', via: '10.0.0.4' },
        { cidr: '10.42.4.0/24', via: '10.0.0.5' },
      ],
      [
        { dst: '10.42.2.0/24', gateway: '10.0.0.3', metric: 0 },
        { dst: '10.42.3.0/24', gateway: '10.0.0.9', metric: 0 },
        { dst: '10.42.5.0/24', gateway: '10.0.0.6', metric: 0 },
      ],
    );
    expect(plan).toEqual({
      replace: [
        { cidr: '10.42.3.0/24', via: '10.0.0.4' },
        { cidr: '10.42.4.0/24', via: '10.0.0.5' },
      ],
      remove: [{ dst: '10.42.5.0/24', gateway: '10.0.0.6', metric: 0 }],
    });
  });

  it('with no desired routes removes every route of the protocol', () => {
    const installed = [{ dst: '10.42.2.0/24', gateway: '10.0.0.3', metric: 0 }];
    expect(planRoutes([], installed)).toEqual({ replace: [], remove: installed });
  });

  it('property: after the plan the table holds exactly the desired routes', () => {
    fc.assert(
      fc.property(desiredArb, installedArb, (desired, installed) => {
        expect(sorted(apply(installed, planRoutes(desired, installed)))).toEqual(sorted(asInstalled(desired)));
      }),
    );
  });

  it('property: a table that is right needs nothing; the plan only touches what it must', () => {
    fc.assert(
      fc.property(desiredArb, installedArb, (desired, installed) => {
        expect(planRoutes(desired, asInstalled(desired))).toEqual({ replace: [], remove: [] });
        const plan = planRoutes(desired, installed);
        for (const r of plan.remove) expect(installed).toContainEqual(r);
        for (const r of plan.replace) expect(desired).toContainEqual(r);
        // a desired route that is already right is neither replaced nor removed
        for (const r of desired) {
          if (installed.some((i) => i.dst === r.cidr && i.gateway === r.via && i.metric === 0)) {
            expect(plan.replace).not.toContainEqual(r);
            expect(plan.remove).not.toContainEqual({ dst: r.cidr, gateway: r.via, metric: 0 });
          }
        }
      }),
    );
  });
});

describe('parseRouteList', () => {
  it('reads ip -j output', () => {
    const json = JSON.stringify([
      { dst: '10.42.2.0/24', gateway: '10.213.5.3', dev: 'eth0', protocol: '250', flags: [] },
      { dst: '10.42.9.7', gateway: '10.213.5.4', dev: 'eth0', protocol: '250', metric: 100, flags: [] },
      { dst: '10.42.8.0/24', protocol: '250', nexthops: [] },
    ]);
    expect(parseRouteList(json)).toEqual([
      { dst: '10.42.2.0/24', gateway: '10.213.5.3', metric: 0 },
      { dst: '10.42.9.7/32', gateway: '10.213.5.4', metric: 100 },
      { dst: '10.42.8.0/24', gateway: null, metric: 0 },
    ]);
    expect(parseRouteList('[]\n')).toEqual([]);
    expect(parseRouteList('')).toEqual([]);
  });

  it('throws on output it does not understand', () => {
    expect(() => parseRouteList('{"dst":"x"}')).toThrow('expected a JSON array');
    expect(() => parseRouteList('[{"gateway":"x"}]')).toThrow('without dst');
    expect(() => parseRouteList('10.42.2.0/24 via 10.0.0.3')).toThrow();
  });
});
