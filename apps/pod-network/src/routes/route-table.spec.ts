import { FakeSystem } from '../../test/fake-system';
import { RouteTable } from './route-table';

describe('RouteTable', () => {
  let sys: FakeSystem;
  let table: RouteTable;

  beforeEach(() => {
    sys = new FakeSystem();
    sys.routes.push({ dst: '10.42.1.0/24', gateway: null, protocol: 2, metric: 0 }); // the bridge's, kernel
    table = new RouteTable(sys.run);
  });

  it('adds the desired routes with its protocol, then has nothing to do', async () => {
    const desired = [
      { cidr: '10.42.2.0/24', via: '10.0.0.3' },
      { cidr: '10.42.3.0/24', via: '10.0.0.4' },
    ];
    expect(await table.sync(desired)).toEqual({ changes: ['route 10.42.2.0/24 via 10.0.0.3', 'route 10.42.3.0/24 via 10.0.0.4'], errors: [] });
    expect(sys.calls[1]).toEqual(['ip', 'route', 'replace', '10.42.2.0/24', 'via', '10.0.0.3', 'proto', '250']);
    sys.calls.length = 0;
    expect(await table.sync(desired)).toEqual({ changes: [], errors: [] });
    expect(sys.calls).toEqual([['ip', '-4', '-j', 'route', 'show', 'table', 'main', 'proto', '250']]);
  });

  it('removes routes of its protocol that are no longer desired, and only those', async () => {
    await table.sync([
      { cidr: '10.42.2.0/24', via: '10.0.0.3' },
      { cidr: '10.42.3.0/24', via: '10.0.0.4' },
    ]);
    sys.routes.push({ dst: '10.42.9.0/24', gateway: '10.0.0.9', protocol: 4, metric: 0 }); // someone's static route
    expect(await table.sync([{ cidr: '10.42.2.0/24', via: '10.0.0.3' }])).toEqual({ changes: ['removed route 10.42.3.0/24 via 10.0.0.4'], errors: [] });
    expect(sys.routes.map((r) => r.dst).sort()).toEqual(['10.42.1.0/24', '10.42.2.0/24', '10.42.9.0/24']);
  });

  it('keeps going past a route it cannot add, and reports it with the command', async () => {
    sys.unreachable.add('192.0.2.1');
    const result = await table.sync([
      { cidr: '10.42.2.0/24', via: '192.0.2.1' },
      { cidr: '10.42.3.0/24', via: '10.0.0.4' },
    ]);
    expect(result.changes).toEqual(['route 10.42.3.0/24 via 10.0.0.4']);
    expect(result.errors.map((e) => e.message)).toEqual(['`ip route replace 10.42.2.0/24 via 192.0.2.1 proto 250` exited 2: Error: Nexthop has invalid gateway.']);
  });

  it('removeAll takes away every route of its protocol', async () => {
    await table.sync([{ cidr: '10.42.2.0/24', via: '10.0.0.3' }]);
    sys.routes.push({ dst: '10.42.7.5/32', gateway: '10.0.0.7', protocol: 250, metric: 100 });
    expect(await table.removeAll()).toEqual(['10.42.2.0/24 via 10.0.0.3', '10.42.7.5/32 via 10.0.0.7 metric 100']);
    expect(sys.routes).toEqual([{ dst: '10.42.1.0/24', gateway: null, protocol: 2, metric: 0 }]);
  });
});
