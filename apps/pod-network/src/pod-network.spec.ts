import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { FakeSystem } from '../test/fake-system';
import { parsePodNetworkFlags } from './config/pod-network-flags';
import { CHAIN } from './firewall/pod-network-rules';
import { PodNetwork } from './pod-network';
import { eventually as pollUntil } from '@corral/testing';

describe('PodNetwork', () => {
  let sys: FakeSystem;
  let procSys: string;
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const config = (...routes: string[]) =>
    parsePodNetworkFlags(['--cluster-cidr=10.42.0.0/16', '--node-cidr=10.42.1.0/24', '--resync-period=100ms', ...routes.map((r) => `--route=${r}`)]);

  beforeEach(() => {
    sys = new FakeSystem();
    logs.length = 0;
    procSys = mkdtempSync(join(tmpdir(), 'pod-network-'));
    mkdirSync(join(procSys, 'net/ipv4'), { recursive: true });
    mkdirSync(join(procSys, 'net/bridge'), { recursive: true });
    writeFileSync(join(procSys, 'net/ipv4/ip_forward'), '0\n');
    writeFileSync(join(procSys, 'net/bridge/bridge-nf-call-iptables'), '0\n');
  });
  afterEach(() => rmSync(procSys, { recursive: true, force: true }));

  it('sets sysctls, routes and chains, is healthy, and on stop leaves no route or rule behind', async () => {
    const network = new PodNetwork(config('10.42.2.0/24=10.0.0.3'), logger, { run: sys.run, procSys });
    expect(network.health.status().healthy).toBe(false);
    expect(await network.sync()).toEqual([]);
    expect(network.health.status()).toEqual({ healthy: true, reason: 'ok' });
    expect(readFileSync(join(procSys, 'net/ipv4/ip_forward'), 'utf8').trim()).toBe('1');
    expect(readFileSync(join(procSys, 'net/bridge/bridge-nf-call-iptables'), 'utf8').trim()).toBe('1');
    expect(sys.routes).toEqual([{ dst: '10.42.2.0/24', gateway: '10.0.0.3', protocol: 250, metric: 0 }]);
    expect(sys.chain('nat', CHAIN)).toHaveLength(1);
    expect(sys.chain('filter', CHAIN)).toHaveLength(2);
    expect(logs.map((l) => l.msg)).toContain('pod network in place');

    expect(await network.stop()).toEqual([]);
    expect(sys.routes).toEqual([]);
    expect(sys.chain('nat', CHAIN)).toBeUndefined();
    expect(sys.chain('filter', CHAIN)).toBeUndefined();
    expect(sys.chain('nat', 'POSTROUTING')).toEqual([]);
    expect(sys.chain('filter', 'FORWARD')).toEqual([]);
  });

  it('on start removes routes of its protocol left by an earlier run with other --route flags', async () => {
    sys.routes.push({ dst: '10.42.3.0/24', gateway: '10.0.0.4', protocol: 250, metric: 0 });
    const network = new PodNetwork(config('10.42.2.0/24=10.0.0.3'), logger, { run: sys.run, procSys });
    await network.sync();
    expect(sys.routes.map((r) => r.dst)).toEqual(['10.42.2.0/24']);
  });

  it('reports every failed step with its command, keeps doing the others, and recovers', async () => {
    sys.unreachable.add('10.0.0.3');
    const network = new PodNetwork(config('10.42.2.0/24=10.0.0.3'), logger, { run: sys.run, procSys, now: () => new Date(0) });
    const errors = await network.sync();
    expect(errors).toEqual(['`ip route replace 10.42.2.0/24 via 10.0.0.3 proto 250` exited 2: Error: Nexthop has invalid gateway.']);
    expect(network.health.status().reason).toBe(`last sync (1970-01-01T00:00:00.000Z) failed: ${errors[0]}`);
    expect(sys.chain('nat', CHAIN)).toHaveLength(1);
    await network.sync();
    expect(logs.filter((l) => l.msg === 'sync failed')).toHaveLength(1); // the same failure is logged once
    sys.unreachable.clear();
    expect(await network.sync()).toEqual([]);
    expect(network.health.status().healthy).toBe(true);
    expect(logs.map((l) => l.msg)).toContain('sync succeeded again');
  });

  it('warns once when br_netfilter is missing, and is still healthy', async () => {
    rmSync(join(procSys, 'net/bridge'), { recursive: true });
    const network = new PodNetwork(config(), logger, { run: sys.run, procSys });
    await network.sync();
    await network.sync();
    expect(network.health.status().healthy).toBe(true);
    expect(logs.filter((l) => l.msg === 'sysctl skipped')).toHaveLength(1);
  });

  it('resyncs every period, repairs what was changed, and stop waits for a sync in progress', async () => {
    const network = new PodNetwork(config('10.42.2.0/24=10.0.0.3'), logger, { run: sys.run, procSys });
    network.start();
    await waitFor(() => network.health.status().healthy);
    sys.routes.length = 0;
    sys.chain('filter', 'FORWARD')!.length = 0;
    await waitFor(() => sys.routes.length === 1 && sys.chain('filter', 'FORWARD')!.length === 1);
    expect(await network.stop()).toEqual([]);
    const calls = sys.calls.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(sys.calls.length).toBe(calls); // no sync after stop
    expect(sys.routes).toEqual([]);
  });

  it('stop reports what it could not remove', async () => {
    const network = new PodNetwork(config('10.42.2.0/24=10.0.0.3'), logger, { run: sys.run, procSys });
    await network.sync();
    sys.failures.set(' -X ', { code: 1, stdout: '', stderr: 'iptables: Too many links.\n' });
    const errors = await network.stop();
    expect(errors).toEqual([expect.stringMatching(/^`iptables -w 5 -t \w+ -X CORRAL-POD-NETWORK` exited 1: iptables: Too many links\.$/)]);
    expect(sys.routes).toEqual([]); // the routes still went
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  await pollUntil(condition, { what: 'condition', timeoutMs, intervalMs: 20 });
}
