import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { HostHarness, HostProcess, nodeEvalArgv } from '../src';
import { compileHarness } from './compile-harness';
import { untilDefined } from '../src/eventually';

// Runs inside a namespace: connect, say ping, print the first reply or the failure.
const PROBE = `
const [host, port, ms] = process.argv.slice(1);
const s = require('net').connect({ host, port: Number(port) });
const t = setTimeout(() => { console.log('timeout'); process.exit(2); }, Number(ms));
s.on('data', (d) => { console.log(String(d).trim()); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(1); });
`;
const SERVER = `
const [host, port, reply] = process.argv.slice(1);
require('net').createServer((s) => s.end(reply + '\\n')).listen(Number(port), host, () => console.log('listening'));
`;
const HOST_PORT = 7070;

// testTimeout in a Jest project config is ignored (it is a global option), so set it here
jest.setTimeout(60_000);

function ipNames(): string {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }) + execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return false;
  }
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  return untilDefined(fn, { what, timeoutMs, intervalMs: 25 });
}

describe('HostHarness', () => {
  let h: HostHarness;
  let rootServer: net.Server;
  let rootPort: number;
  let hostServer: HostProcess;

  const probe = async (from: number, host: string, port: number, ms = 1000) =>
    (await h.exec(from, nodeEvalArgv(PROBE, host, String(port), String(ms)))).stdout.trim();

  beforeAll(async () => {
    h = await HostHarness.create({ count: 3 });
    rootServer = net.createServer((s) => s.end('pong-root\n'));
    await new Promise<void>((r) => rootServer.listen(0, h.serverAddress, r));
    rootPort = (rootServer.address() as net.AddressInfo).port;
    hostServer = h.startProcess(1, nodeEvalArgv(SERVER, h.hosts[1].address, String(HOST_PORT), 'pong-h1'), { name: 'server' });
    await eventually('host server', async () =>
      fs.readFileSync(hostServer.logFile, 'utf8').includes('listening') ? true : undefined,
    );
  });

  afterAll(async () => {
    await h?.destroy();
    rootServer?.close();
  });

  it('gives each host a distinct address in a 10.213.x.0/24 with the root namespace on .1', () => {
    expect(h.subnet).toMatch(/^10\.213\.\d+\.0\/24$/);
    expect(h.serverAddress).toBe(h.subnet.replace(/0\/24$/, '1'));
    expect(new Set(h.hosts.map((x) => x.address)).size).toBe(3);
    for (const host of h.hosts) {
      expect(host.address.startsWith(h.subnet.slice(0, -4))).toBe(true);
      expect(fs.statSync(host.stateDir).isDirectory()).toBe(true);
    }
    expect(ipNames()).toContain(h.bridge);
    // exit/signal cleanup must hook the real process, not Jest's per-file copy of it
    expect((vm.runInThisContext('process') as NodeJS.Process).listenerCount('SIGTERM')).toBeGreaterThan(0);
  });

  it('lets every host reach the server address and each other', async () => {
    for (let i = 0; i < 3; i++) expect(await probe(i, h.serverAddress, rootPort)).toBe('pong-root');
    expect(await probe(0, h.hosts[1].address, HOST_PORT)).toBe('pong-h1');
    expect(await probe(2, h.hosts[1].address, HOST_PORT)).toBe('pong-h1');
  });

  it('routes nothing beyond the /24: a host has no default route', async () => {
    const routes = (await h.exec(0, ['ip', '-4', 'route'])).stdout;
    expect(routes).not.toMatch(/default/);
    expect(await probe(0, '192.0.2.1', 80)).toBe('ENETUNREACH');
    expect(fs.readFileSync(`/proc/sys/net/ipv4/conf/${h.bridge}/forwarding`, 'utf8').trim()).toBe('0');
  });

  it('gives each namespace its own loopback: 127.0.0.1 ports do not clash with the root namespace', async () => {
    const root = net.createServer((s) => s.end('root-loopback\n'));
    await new Promise<void>((r) => root.listen(0, '127.0.0.1', r));
    const port = (root.address() as net.AddressInfo).port;
    try {
      // nothing listens on that port inside the namespace, and binding it there works
      expect(await probe(0, '127.0.0.1', port)).toBe('ECONNREFUSED');
      const bind = await h.exec(
        0,
        nodeEvalArgv(`require('net').createServer().listen(${port}, '127.0.0.1', function () { console.log('bound'); this.close(); })`),
      );
      expect(bind.stdout.trim()).toBe('bound');
    } finally {
      root.close();
    }
  });

  it('cutting a link makes the host unreachable within a second; restoring brings it back', async () => {
    await h.cutLink(1);
    expect(h.isCut(1)).toBe(true);
    // each probe gives up after 1 s: the host must be unreachable within a second of the cut
    expect(await probe(1, h.serverAddress, rootPort, 1000)).toBe('timeout');
    expect(await probe(0, h.hosts[1].address, HOST_PORT, 1000)).toBe('timeout');
    // the rest of the network is unaffected
    expect(await probe(2, h.serverAddress, rootPort)).toBe('pong-root');

    await h.restoreLink(1);
    expect(await eventually('h1 back', async () => ((await probe(1, h.serverAddress, rootPort)) === 'pong-root' ? true : undefined))).toBe(true);
    expect(await probe(0, h.hosts[1].address, HOST_PORT)).toBe('pong-h1');
  });

  it('a detached link drops traffic silently while the host link stays up', async () => {
    await h.cutLink(0, 'detach');
    expect(await probe(0, h.serverAddress, rootPort, 800)).toBe('timeout');
    expect((await h.exec(0, ['ip', '-o', 'link', 'show', 'eth0'])).stdout).toContain('LOWER_UP');
    await h.restoreLink(0);
    expect(await eventually('h0 back', async () => ((await probe(0, h.serverAddress, rootPort)) === 'pong-root' ? true : undefined))).toBe(true);
  });

  it('kills and restarts processes, and empties a namespace', async () => {
    const sleeper = h.startProcess(2, nodeEvalArgv('setInterval(() => {}, 1000)'), { name: 'sleeper' });
    await eventually('sleeper in namespace', async () => ((await h.pids(2)).includes(sleeper.pid) ? true : undefined));
    const again = await h.restartProcess(sleeper, { signal: 'SIGKILL' });
    expect(sleeper.exitStatus).toEqual({ code: null, signal: 'SIGKILL' });
    expect(again.running).toBe(true);
    expect(again.logFile).toBe(sleeper.logFile);
    await eventually('restarted sleeper', async () => ((await h.pids(2)).includes(again.pid) ? true : undefined));

    const killed = await h.killAll(2);
    expect(killed).toContain(again.pid);
    expect(await again.wait(2000)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await h.pids(2)).toEqual([]);
  });

  it('adds a host later', async () => {
    const added = await h.addHost();
    expect(added.index).toBe(3);
    expect(await probe(3, h.serverAddress, rootPort)).toBe('pong-root');
    expect(await probe(3, h.hosts[1].address, HOST_PORT)).toBe('pong-h1');
    // a new bridge port must not change the bridge MAC under the hosts' ARP caches
    for (let i = 0; i < 3; i++) expect(await probe(i, h.serverAddress, rootPort)).toBe('pong-root');
  });

  it('sweeps the leftovers of a killed run and leaves live runs alone', async () => {
    const dist = compileHarness();
    try {
      const child = await startChildRun(dist);
      child.proc.kill('SIGKILL');
      await new Promise((r) => child.proc.once('exit', r));
      // SIGKILL gives the run no chance to clean up; only a sweep removes its leftovers
      const out = execFileSync(process.execPath, [path.join(dist, 'cli.js'), 'sweep'], { encoding: 'utf8', timeout: 30_000 });
      const result = JSON.parse(out) as { swept: string[]; live: string[]; failed: string[] };
      expect(result.failed).toEqual([]);
      expect(result.live).toContain(h.id);
      // a parallel run's sweep may have got there first; then the state file is gone already
      if (!result.swept.includes(child.info.id)) expect(fs.existsSync(`/tmp/corral-hosts/${child.info.id}.json`)).toBe(false);
      expect(ipNames()).not.toMatch(new RegExp(`crl-?${child.info.id}`));
      await eventually('sleeper gone', async () => (alive(child.info.sleeperPid) ? undefined : true));
      expect(fs.existsSync(`/tmp/corral-hosts/${child.info.id}.json`)).toBe(false);
      expect(fs.existsSync(child.info.workDir)).toBe(false);
      // our own run is untouched
      expect(await probe(0, h.serverAddress, rootPort)).toBe('pong-root');
    } finally {
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });

  it('cleans up on SIGTERM of the owning process', async () => {
    const dist = compileHarness();
    try {
      const child = await startChildRun(dist);
      child.proc.kill('SIGTERM');
      const signal = await new Promise((r) => child.proc.once('exit', (_c, s) => r(s)));
      expect(signal).toBe('SIGTERM');
      expect(ipNames()).not.toMatch(new RegExp(`crl-?${child.info.id}`));
      expect(fs.existsSync(`/tmp/corral-hosts/${child.info.id}.json`)).toBe(false);
      await eventually('sleeper gone', async () => (alive(child.info.sleeperPid) ? undefined : true));
    } finally {
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });

  it('destroy leaves no namespaces, links, processes, files or state', async () => {
    const { id, workDir } = h;
    const namespaces = h.hosts.map((x) => x.namespace);
    await h.destroy();
    const names = ipNames();
    for (const ns of namespaces) expect(names).not.toContain(ns);
    expect(names).not.toMatch(new RegExp(`crl-?${id}`));
    expect(alive(hostServer.pid)).toBe(false);
    expect(fs.existsSync(workDir)).toBe(false);
    expect(fs.existsSync(`/tmp/corral-hosts/${id}.json`)).toBe(false);
    expect(() => h.exec(0, ['true'])).toThrow(/destroyed/);
  });
});

interface ChildInfo {
  id: string;
  namespaces: string[];
  sleeperPid: number;
  workDir: string;
}

/** A separate process owning a 2-host run with one process in it; resolves once it is up. */
async function startChildRun(dist: string): Promise<{ proc: ReturnType<typeof spawn>; info: ChildInfo }> {
  const script = `
    const { HostHarness, nodeEvalArgv } = require(${JSON.stringify(path.join(dist, 'index.js'))});
    HostHarness.create({ count: 2, sweepStale: false }).then((h) => {
      const p = h.startProcess(0, nodeEvalArgv('setInterval(() => {}, 1000)'));
      console.log(JSON.stringify({ id: h.id, namespaces: h.hosts.map((x) => x.namespace), sleeperPid: p.pid, workDir: h.workDir }));
      setInterval(() => {}, 1000);
    }, (e) => { console.error(e); process.exit(1); });
  `;
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<ChildInfo>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('child run did not start')), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        clearTimeout(timer);
        resolve(JSON.parse(buf.split('\n')[0]) as ChildInfo);
      }
    });
    proc.once('exit', () => reject(new Error('child run exited early')));
  });
  return { proc, info };
}
