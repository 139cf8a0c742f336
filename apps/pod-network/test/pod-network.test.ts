import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { HostHarness, type HostProcess, type TestHost } from '@corral/test-hosts';
import { untilDefined } from '@corral/testing';

/**
 * Two worker hosts (network namespaces on the harness bridge), each with a CNI-style bridge cni0
 * on its pod CIDR and one "pod" (a third namespace, veth into cni0), and corral-pod-network in
 * each host. Host 0 uses iptables-legacy (when installed), host 1 the machine's default `iptables`
 * (nf_tables on Debian 12), so both backends are covered. Needs root, iproute2, iptables and a ping (iputils
 * or busybox, which CI installs as busybox-static).
 */

const BIN = join(__dirname, '..', 'bin', 'corral-pod-network');
const CLUSTER_CIDR = '10.42.0.0/16';
const CHAIN = 'CORRAL-POD-NETWORK';
const PROTO = '250';
const HEALTHZ_PORT = 10258;
const POD_PORT = 7080;

const isRoot = process.getuid?.() === 0;
const sbin = (name: string) => existsSync(`/usr/sbin/${name}`) || existsSync(`/sbin/${name}`);
const hasTools = sbin('ip') && sbin('iptables');
// host 0 uses the legacy backend when the machine has it, so both backends are exercised
const HOST0_IPTABLES = sbin('iptables-legacy') ? 'iptables-legacy' : 'iptables';
const ping = existsSync('/usr/bin/ping') || existsSync('/bin/ping') ? ['ping'] : existsSync('/bin/busybox') ? ['/bin/busybox', 'ping'] : null;
const ENTRY = join(__dirname, '..', '..', '..', 'dist', 'apps', 'pod-network', 'src', 'main.js');
const suite = isRoot && hasTools && ping ? describe : describe.skip;

// Runs inside a pod: connect, print the first line the server sends, or the error code.
const PROBE = `
const [host, port] = process.argv.slice(1);
const s = require('net').connect({ host, port: Number(port) });
const t = setTimeout(() => { console.log('timeout'); process.exit(2); }, 3000);
s.on('data', (d) => { console.log(String(d).trim()); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(1); });
`;
// Runs inside a pod: tell every client the address it came from.
const WHO_AM_I = `
const [host, port] = process.argv.slice(1);
require('net').createServer((s) => s.end(s.remoteAddress + '\\n')).listen(Number(port), host, () => console.log('listening'));
`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], timeoutMs = 15_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(argv: string[]): Promise<string> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  return untilDefined(fn, { what, timeoutMs, intervalMs: 100 });
}

interface Worker {
  host: TestHost;
  iptables: string;
  podCidr: string;
  podAddress: string;
  /** the pod's network namespace, ours to delete */
  podNs: string;
}

suite('corral-pod-network on two hosts', () => {
  let h: HostHarness;
  const workers: Worker[] = [];
  const daemons: Array<HostProcess | null> = [null, null];
  const servers: ChildProcess[] = [];
  const podNamespaces: string[] = [];
  let outside: net.Server;
  let outsidePort: number;

  const inHost = (w: Worker, argv: string[]) => run(['ip', 'netns', 'exec', w.host.namespace, ...argv]);
  const inPod = (w: Worker, argv: string[]) => run(['ip', 'netns', 'exec', w.podNs, ...argv]);
  const iptables = (w: Worker, ...args: string[]) => inHost(w, [w.iptables, '-w', '5', ...args]);
  const protoRoutes = async (w: Worker) => JSON.parse((await inHost(w, ['ip', '-4', '-j', 'route', 'show', 'proto', PROTO])).stdout || '[]') as Array<{ dst: string; gateway?: string }>;
  const pingPod = (from: Worker, to: Worker, count = 3) => inPod(from, [...ping!, '-c', String(count), '-W', '2', to.podAddress]);
  const probe = async (from: Worker, host: string, port: number) => (await inPod(from, [process.execPath, '-e', PROBE, host, String(port)])).stdout.trim();
  const healthz = async (w: Worker) => {
    const res = await fetch(`http://${w.host.address}:${HEALTHZ_PORT}/healthz`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.text()).trim() };
  };

  function startDaemon(i: number, routes: string[]): HostProcess {
    const w = workers[i]!;
    const argv = [
      BIN,
      `--cluster-cidr=${CLUSTER_CIDR}`,
      `--node-cidr=${w.podCidr}`,
      ...routes.map((r) => `--route=${r}`),
      `--bind-address=${w.host.address}`,
      `--healthz-port=${HEALTHZ_PORT}`,
      '--resync-period=500ms',
      `--iptables=${w.iptables}`,
      '--v=2',
    ];
    const proc = h.startProcess(w.host, argv, { name: 'pod-network' });
    daemons[i] = proc;
    return proc;
  }

  /** everything the daemon owns in its host: routes of its protocol, chains, jumps */
  async function leftovers(w: Worker): Promise<string[]> {
    const found: string[] = [];
    for (const route of await protoRoutes(w)) found.push(`route ${route.dst}`);
    for (const table of ['nat', 'filter']) {
      const listing = await iptables(w, '-t', table, '-S');
      expect(listing.code).toBe(0);
      for (const line of listing.stdout.split('\n')) if (line.includes(CHAIN)) found.push(`${table}: ${line}`);
    }
    return found;
  }

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} not found: run 'npm run build' first`);
    h = await HostHarness.create({ count: 2 });
    const subnetBase = h.subnet.replace(/\.0\/24$/, '');
    for (const [i, host] of h.hosts.entries()) {
      const w: Worker = {
        host,
        iptables: i === 0 ? HOST0_IPTABLES : 'iptables',
        podCidr: `10.42.${i + 1}.0/24`,
        podAddress: `10.42.${i + 1}.2`,
        podNs: `${host.namespace}-pod`,
      };
      workers.push(w);
      const ns = host.namespace;
      // what containerd's bridge plugin would have made: cni0 with the gateway .1, a pod behind a veth
      await must(['ip', '-n', ns, 'link', 'add', 'cni0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
      await must(['ip', '-n', ns, 'addr', 'add', `10.42.${i + 1}.1/24`, 'dev', 'cni0']);
      await must(['ip', '-n', ns, 'link', 'set', 'cni0', 'up']);
      podNamespaces.push(w.podNs);
      await must(['ip', 'netns', 'add', w.podNs]);
      await must(['ip', '-n', ns, 'link', 'add', 'vpod0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', w.podNs]);
      await must(['ip', '-n', ns, 'link', 'set', 'vpod0', 'master', 'cni0', 'up']);
      await must(['ip', '-n', w.podNs, 'addr', 'add', `${w.podAddress}/24`, 'dev', 'eth0']);
      await must(['ip', '-n', w.podNs, 'link', 'set', 'lo', 'up']);
      await must(['ip', '-n', w.podNs, 'link', 'set', 'eth0', 'up']);
      await must(['ip', '-n', w.podNs, 'route', 'add', 'default', 'via', `10.42.${i + 1}.1`]);
    }
    expect(subnetBase).toMatch(/^10\.213\.\d+$/);
    // "the outside": a server in the root namespace, which has no route to any pod CIDR
    outside = net.createServer((s) => s.end(`${s.remoteAddress}\n`));
    await new Promise<void>((r) => outside.listen(0, h.serverAddress, r));
    outsidePort = (outside.address() as net.AddressInfo).port;
    // a server in pod 1 that answers with the client's address
    const server = spawn('ip', ['netns', 'exec', workers[1]!.podNs, process.execPath, '-e', WHO_AM_I, workers[1]!.podAddress, String(POD_PORT)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => String(d).includes('listening') && resolve());
      server.once('exit', (code) => reject(new Error(`pod server exited ${code}`)));
    });
  });

  afterAll(async () => {
    for (const server of servers) {
      try {
        process.kill(-server.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
    outside?.close();
    for (const d of daemons) if (d?.running) await d.stop(5000);
    for (const ns of podNamespaces) await run(['ip', 'netns', 'del', ns]);
    await h?.destroy();
    for (const ns of podNamespaces) expect(existsSync(`/run/netns/${ns}`)).toBe(false);
  });

  it('pods on different hosts cannot reach each other before the daemons run', async () => {
    expect((await pingPod(workers[0]!, workers[1]!, 1)).code).not.toBe(0);
    expect(await leftovers(workers[0]!)).toEqual([]);
  });

  it('starts on both hosts and reports healthy', async () => {
    const [a, b] = workers as [Worker, Worker];
    const stray = `${h.subnet.replace(/\.0\/24$/, '')}.200`; // a third worker that has no host here yet
    startDaemon(0, [`${b.podCidr}=${b.host.address}`, `10.42.3.0/24=${stray}`]);
    startDaemon(1, [`${a.podCidr}=${a.host.address}`]);
    for (const w of workers) {
      await eventually(`healthz of ${w.host.name}`, async () => ((await healthz(w)).status === 200 ? true : undefined));
      expect(await healthz(w)).toEqual({ status: 200, body: 'ok' });
    }
    expect(await protoRoutes(a)).toEqual([
      expect.objectContaining({ dst: b.podCidr, gateway: b.host.address }),
      expect.objectContaining({ dst: '10.42.3.0/24', gateway: stray }),
    ]);
    expect(await protoRoutes(b)).toEqual([expect.objectContaining({ dst: a.podCidr, gateway: a.host.address })]);
    for (const w of workers) {
      expect((await inHost(w, ['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim()).toBe('1');
      const bridgeNf = await inHost(w, ['cat', '/proc/sys/net/bridge/bridge-nf-call-iptables']);
      if (bridgeNf.code === 0) expect(bridgeNf.stdout.trim()).toBe('1');
    }
  });

  it('lets a pod on host 0 ping a pod on host 1, and back', async () => {
    const [a, b] = workers as [Worker, Worker];
    const there = await pingPod(a, b);
    expect(there.code).toBe(0);
    expect(there.stdout).toMatch(/3 packets transmitted, 3 (packets )?received/);
    expect((await pingPod(b, a)).code).toBe(0);
  });

  it('keeps pod addresses between pods, and masquerades only traffic leaving the cluster network', async () => {
    const [a, b] = workers as [Worker, Worker];
    // pod to pod across hosts: the server sees the pod's own address
    expect(await probe(a, b.podAddress, POD_PORT)).toBe(a.podAddress);
    // pod to the outside (the root namespace has no route back to pods): the host's address
    expect(await probe(a, h.serverAddress, outsidePort)).toBe(a.host.address);
    expect(await probe(b, h.serverAddress, outsidePort)).toBe(b.host.address);

    for (const w of workers) {
      const nat = (await iptables(w, '-t', 'nat', '-S')).stdout.split('\n');
      const masquerade = nat.filter((line) => line.includes('MASQUERADE'));
      expect(masquerade).toEqual([expect.stringMatching(new RegExp(`^-A ${CHAIN} -s 10\\.42\\.0\\.0/16 ! -d 10\\.42\\.0\\.0/16 .*-j MASQUERADE$`))]);
      expect(nat.filter((line) => line.startsWith('-A POSTROUTING') && line.endsWith(`-j ${CHAIN}`))).toHaveLength(1);
      const filter = (await iptables(w, '-t', 'filter', '-S')).stdout.split('\n');
      expect(filter.filter((line) => line.startsWith(`-A ${CHAIN} `))).toEqual([
        expect.stringMatching(/^-A CORRAL-POD-NETWORK -s 10\.42\.0\.0\/16 .*-j ACCEPT$/),
        expect.stringMatching(/^-A CORRAL-POD-NETWORK -d 10\.42\.0\.0\/16 .*-j ACCEPT$/),
      ]);
      expect(filter.filter((line) => line.startsWith('-A FORWARD') && line.endsWith(`-j ${CHAIN}`))).toHaveLength(1);
    }
  });

  it('repairs its chains and jumps at the next resync, without adding a second jump', async () => {
    const b = workers[1]!;
    await must(['ip', 'netns', 'exec', b.host.namespace, b.iptables, '-t', 'filter', '-A', CHAIN, '-j', 'DROP']);
    await must(['ip', 'netns', 'exec', b.host.namespace, b.iptables, '-t', 'nat', '-D', 'POSTROUTING', '-m', 'comment', '--comment', 'corral pod network', '-j', CHAIN]);
    await must(['ip', 'netns', 'exec', b.host.namespace, 'ip', 'route', 'del', workers[0]!.podCidr, 'proto', PROTO]);
    await eventually('repair', async () => {
      const filter = (await iptables(b, '-t', 'filter', '-S', CHAIN)).stdout;
      const nat = (await iptables(b, '-t', 'nat', '-S', 'POSTROUTING')).stdout;
      return !filter.includes('DROP') && nat.includes(`-j ${CHAIN}`) && (await protoRoutes(b)).length === 1 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1200)); // two more resyncs
    expect((await iptables(b, '-t', 'nat', '-S', 'POSTROUTING')).stdout.split('\n').filter((l) => l.endsWith(`-j ${CHAIN}`))).toHaveLength(1);
    expect((await iptables(b, '-t', 'filter', '-S', 'FORWARD')).stdout.split('\n').filter((l) => l.endsWith(`-j ${CHAIN}`))).toHaveLength(1);
    expect((await pingPod(b, workers[0]!, 1)).code).toBe(0);
  });

  it('after a crash, a restart without a --route removes that route; a failing route makes /healthz 500 naming the command', async () => {
    const [a, b] = workers as [Worker, Worker];
    const killed = await h.stopProcess(daemons[0]!, { signal: 'SIGKILL' });
    expect(killed.signal).toBe('SIGKILL');
    // the crash left everything in place
    expect((await protoRoutes(a)).map((r) => r.dst)).toEqual([b.podCidr, '10.42.3.0/24']);

    // 192.0.2.1 is not on any of host 0's links: the kernel refuses it as a gateway
    startDaemon(0, [`${b.podCidr}=${b.host.address}`, '10.42.4.0/24=192.0.2.1']);
    const health = await eventually('the failed first sync', async () => {
      const r = await healthz(a).catch(() => null);
      return r && r.body.includes('ip route replace') ? r : undefined;
    });
    expect(health.status).toBe(500);
    expect(health.body).toContain('`ip route replace 10.42.4.0/24 via 192.0.2.1 proto 250` exited 2: Error: Nexthop has invalid gateway.');
    expect((await protoRoutes(a)).map((r) => r.dst)).toEqual([b.podCidr]);
    // the rest of the sync still happened: rules in place, one jump each, pods still reach each other
    expect((await iptables(a, '-t', 'nat', '-S', 'POSTROUTING')).stdout.split('\n').filter((l) => l.endsWith(`-j ${CHAIN}`))).toHaveLength(1);
    expect((await pingPod(a, b, 1)).code).toBe(0);
    const log = readFileSync(daemons[0]!.logFile, 'utf8');
    expect(log).toContain('removed route 10.42.3.0/24');
  });

  it('on SIGTERM removes its routes, jumps and chains, and exits 0', async () => {
    for (const [i, w] of workers.entries()) {
      const exit = await h.stopProcess(daemons[i]!, { graceMs: 8000 });
      expect(exit).toEqual({ code: 0, signal: null });
      expect(await leftovers(w)).toEqual([]);
      // the bridge's own route stays: it is not the daemon's
      expect((await inHost(w, ['ip', '-4', 'route', 'show', w.podCidr])).stdout).toContain('cni0');
    }
    expect((await pingPod(workers[0]!, workers[1]!, 1)).code).not.toBe(0);
  });
});
