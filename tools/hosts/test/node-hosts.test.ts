import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostHarness, HostProcess, NODE_PRIVATE_DIRS, nodeEvalArgv } from '../src';
import { compileHarness } from './compile-harness';
import { untilDefined } from '../src/eventually';

// Node hosts with a real runc container in them. Needs root, cgroup v1, and Debian's
// `apt-get install -y runc busybox-static` (a static busybox is the container's whole rootfs).
jest.setTimeout(90_000);

const STATE_ROOT = '/tmp/corral-hosts';
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
const missing = [
  ...(onPath('runc') ? [] : ['runc']),
  ...(BUSYBOX && isStatic(BUSYBOX) ? [] : ['a static busybox (busybox-static)']),
  ...(isCgroupV1() ? [] : ['cgroup v1']),
];
const describeIf = missing.length === 0 ? describe : describe.skip;
if (missing.length > 0) {
  console.warn(`node host tests skipped: this machine lacks ${missing.join(', ')} (apt-get install -y runc busybox-static)`);
}

function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A dynamically linked binary names its loader (ld-linux…) near its start. */
function isStatic(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return !buf.subarray(0, n).includes('ld-linux');
  } finally {
    fs.closeSync(fd);
  }
}

function isCgroupV1(): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' /sys/fs/cgroup/memory ');
}

/** An OCI bundle: busybox as the rootfs, `sleep 1000`, cgroup /kubepods/<name> as a kubelet would put it. */
function makeBundle(dir: string, cgroup: string): string {
  fs.mkdirSync(path.join(dir, 'rootfs/bin'), { recursive: true });
  fs.copyFileSync(BUSYBOX!, path.join(dir, 'rootfs/bin/busybox'));
  fs.chmodSync(path.join(dir, 'rootfs/bin/busybox'), 0o755);
  execFileSync('runc', ['spec', '--bundle', dir]);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/bin/busybox', 'sleep', '1000'];
  spec.linux.cgroupsPath = cgroup;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return dir;
}

/** The shell line that starts a detached container and prints its pid (stdio off: runc -d hands it on). */
function runContainer(bundle: string, id: string): string[] {
  return ['sh', '-c', `runc run -d --bundle '${bundle}' ${id} </dev/null >/dev/null 2>&1 || exit 1; runc state ${id}`];
}

function alive(pid: number): boolean {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return false;
  }
}

function cgroupOf(pid: number, controller: string): string | undefined {
  const line = fs
    .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes(controller));
  return line?.split(':')[2];
}

/** Every `corral-hosts/<id>-*` cgroup dir of the run, in any hierarchy. */
function runCgroupDirs(id: string): string[] {
  const found: string[] = [];
  for (const name of fs.readdirSync('/sys/fs/cgroup')) {
    const parent = path.join('/sys/fs/cgroup', name, 'corral-hosts');
    if (fs.lstatSync(path.join('/sys/fs/cgroup', name)).isSymbolicLink() || !fs.existsSync(parent)) continue;
    for (const d of fs.readdirSync(parent)) if (d.startsWith(`${id}-`)) found.push(path.join(parent, d));
  }
  return found;
}

function rootMountsMentioning(id: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(id));
}

/** /a/b/c -> /a, /a/b, /a/b/c */
function ancestors(dir: string): string[] {
  const parts = dir.split('/').filter(Boolean);
  return parts.map((_p, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

function ipNames(): string {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }) + execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
}

function otherRunsUseMountpoints(exceptId: string): boolean {
  return fs
    .readdirSync(STATE_ROOT)
    .filter((n) => /^[0-9a-f]{6}\.json$/.test(n) && n !== `${exceptId}.json`)
    .some((n) => {
      try {
        return JSON.parse(fs.readFileSync(path.join(STATE_ROOT, n), 'utf8')).usesMountpoints === true;
      } catch {
        return false;
      }
    });
}

async function eventually<T>(what: string, fn: () => T | undefined, timeoutMs = 5000): Promise<T> {
  return untilDefined(fn, { what, timeoutMs, intervalMs: 25 });
}

describeIf('node hosts', () => {
  let h: HostHarness;
  let tmp: string;
  let bundle: string;
  let sleeper: HostProcess;
  let containerPid: number;
  // the private dirs' mount points and their parents (/etc/cni, …) that the machine had already
  const preexisting = [...new Set(NODE_PRIVATE_DIRS.flatMap(ancestors))].filter((d) => fs.existsSync(d));

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-node-test-'));
    bundle = makeBundle(path.join(tmp, 'bundle'), '/kubepods/test');
    h = await HostHarness.create({ count: 2, nodes: true });
    sleeper = h.startProcess(0, nodeEvalArgv('setInterval(() => {}, 1000)'), { name: 'sleeper' });
  });

  afterAll(async () => {
    await h?.destroy();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the host its own cgroup subtree as /sys/fs/cgroup, in a cgroup namespace', async () => {
    const node = h.hosts[0].node!;
    expect(node.cgroupPath).toBe(`/corral-hosts/${h.id}-h0`);
    expect(node.cgroupDirs).toContain(`/sys/fs/cgroup/memory/corral-hosts/${h.id}-h0`);

    // the same directory: inside, /sys/fs/cgroup/memory is the machine's memory/corral-hosts/<id>-h0
    const inside = await h.exec(0, ['stat', '-c', '%d:%i', '/sys/fs/cgroup/memory']);
    expect(inside.code).toBe(0);
    const st = fs.statSync(`/sys/fs/cgroup/memory/corral-hosts/${h.id}-h0`);
    expect(inside.stdout.trim()).toBe(`${st.dev}:${st.ino}`);
    // every hierarchy (and co-mount symlink) of the machine is there
    const machine = fs.readdirSync('/sys/fs/cgroup').sort();
    expect((await h.exec(0, ['ls', '/sys/fs/cgroup'])).stdout.split('\n').filter(Boolean).sort()).toEqual(machine);
    // the host's processes see themselves at its root, and sit in its subtree on the machine
    const own = (await h.exec(0, ['cat', '/proc/self/cgroup'])).stdout.trim().split('\n');
    for (const line of own) expect(line).toMatch(/:\/$/);
    await eventually('sleeper moved', () => (cgroupOf(sleeper.pid, 'memory') === node.cgroupPath ? true : undefined));
    expect(cgroupOf(sleeper.pid, 'pids')).toBe(node.cgroupPath);
    expect(h.cgroupPids(0)).toContain(sleeper.pid);
    // and a hostname of its own
    expect((await h.exec(0, ['cat', '/proc/sys/kernel/hostname'])).stdout.trim()).toBe(h.hosts[0].namespace);
  });

  it('runs a runc container whose cgroup is under the host subtree on the machine', async () => {
    const r = await h.exec(0, runContainer(bundle, 'test'), { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const state = JSON.parse(r.stdout) as { pid: number; status: string };
    expect(state.status).toBe('running');
    containerPid = state.pid;
    expect(alive(containerPid)).toBe(true);

    const dir = `/sys/fs/cgroup/memory/corral-hosts/${h.id}-h0/kubepods/test`;
    expect(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')).toContain(String(containerPid));
    expect(cgroupOf(containerPid, 'memory')).toBe(`/corral-hosts/${h.id}-h0/kubepods/test`);
    expect(cgroupOf(containerPid, 'cpuset')).toBe(`/corral-hosts/${h.id}-h0/kubepods/test`);
    // its own network namespace: `ip netns pids` of the host does not list it, its cgroup does
    expect(fs.readlinkSync(`/proc/${containerPid}/ns/net`)).not.toBe(fs.readlinkSync(`/proc/${sleeper.pid}/ns/net`));
    expect(await h.pids(0)).not.toContain(containerPid);
    expect(h.cgroupPids(0)).toContain(containerPid);
    // runc's state is in the host's private /run: the other host sees no such container
    expect((await h.exec(0, ['runc', 'list', '-q'])).stdout.split('\n')).toContain('test');
    expect((await h.exec(1, ['runc', 'list', '-q'])).stdout.trim()).toBe('');
  });

  it('gives each host its own /run and node state dirs, none of it visible on the machine', async () => {
    const marker = `marker-${h.id}`;
    const w = await h.exec(0, ['sh', '-c', `echo h0 > /run/${marker} && echo h0 > /var/lib/kubelet/${marker} && echo h0 > /etc/cni/net.d/${marker}`]);
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    const other = await h.exec(1, ['sh', '-c', `ls /run/${marker} /var/lib/kubelet/${marker} /etc/cni/net.d/${marker} 2>&1; ls -A /var/lib/kubelet`]);
    expect(other.stdout).not.toMatch(new RegExp(`^/.*${marker}$`, 'm'));
    expect(other.stdout.match(/No such file/g)?.length).toBe(3);
    expect(fs.existsSync(`/run/${marker}`)).toBe(false);
    expect(fs.existsSync(`/var/lib/kubelet/${marker}`)).toBe(false);
    expect(fs.readFileSync(h.hostPath(0, `/var/lib/kubelet/${marker}`), 'utf8')).toBe('h0\n');
    expect(h.hostPath(0, '/sys/fs/cgroup/memory/kubepods')).toBe(`/sys/fs/cgroup/memory/corral-hosts/${h.id}-h0/kubepods`);
    // nothing of the hosts' mounts reaches the machine's mount table
    expect(rootMountsMentioning(h.workDir)).toEqual([]);
    expect(rootMountsMentioning('/run/runc')).toEqual([]);
    // (the netns pins of `ip netns add` aside)
    expect(rootMountsMentioning(h.id).filter((l) => !l.includes(` /run/netns/crl-${h.id}-h`))).toEqual([]);
    // and a host pins no network namespace of the machine's
    const innerMounts = (await h.exec(0, ['cat', '/proc/self/mountinfo'])).stdout;
    expect(innerMounts).not.toMatch(/ \/run\/netns/);
  });

  it('killAll empties a node host, containers included, and the host takes new processes', async () => {
    const r = await h.exec(1, runContainer(bundle, 'k1'), { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const pid = (JSON.parse(r.stdout) as { pid: number }).pid;
    const killed = await h.killAll(1);
    expect(killed).toContain(pid);
    expect(h.cgroupPids(1)).toEqual([]);
    await eventually('container gone', () => (alive(pid) ? undefined : true));
    expect((await h.exec(1, ['cat', '/proc/sys/kernel/hostname'])).stdout.trim()).toBe(h.hosts[1].namespace);
  });

  it('destroy leaves no process, cgroup dir, mount, namespace or file', async () => {
    const { id, workDir } = h;
    expect(runCgroupDirs(id).length).toBeGreaterThan(0);
    // a frozen container does not die of SIGKILL until thawed: teardown must thaw it
    expect((await h.exec(0, ['runc', 'pause', 'test'])).code).toBe(0);
    expect(fs.readFileSync(`/sys/fs/cgroup/freezer/corral-hosts/${id}-h0/kubepods/test/freezer.state`, 'utf8').trim()).toBe('FROZEN');
    await h.destroy();
    expect(runCgroupDirs(id)).toEqual([]);
    await eventually('container gone', () => (alive(containerPid) ? undefined : true));
    expect(alive(sleeper.pid)).toBe(false);
    expect(rootMountsMentioning(id)).toEqual([]);
    expect(ipNames()).not.toMatch(new RegExp(`crl-?${id}`));
    expect(fs.existsSync(workDir)).toBe(false);
    expect(fs.existsSync(`${STATE_ROOT}/${id}.json`)).toBe(false);
    // mount points the harness had to create go once no run uses them
    if (!otherRunsUseMountpoints(id)) {
      const created = [...new Set(NODE_PRIVATE_DIRS.flatMap(ancestors))].filter((d) => !preexisting.includes(d));
      expect(created.filter((d) => fs.existsSync(d))).toEqual([]);
    }
  });
});

interface ChildInfo {
  id: string;
  workDir: string;
  sleeperPid: number;
  containerPid: number;
  cgroupDirs: string[];
}

describeIf('node hosts of a killed run', () => {
  it('sweep removes processes, containers, cgroups, mounts and files of a run whose owner got SIGKILL', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-node-test-'));
    const dist = compileHarness();
    try {
      const bundle = makeBundle(path.join(tmp, 'bundle'), '/kubepods/swept');
      const script = `
        const { HostHarness, nodeEvalArgv } = require(${JSON.stringify(path.join(dist, 'index.js'))});
        (async () => {
          const h = await HostHarness.create({ count: 2, nodes: true, sweepStale: false });
          const p = h.startProcess(0, nodeEvalArgv('setInterval(() => {}, 1000)'));
          const r = await h.exec(1, ${JSON.stringify(runContainer(bundle, 'swept'))}, { timeoutMs: 30000 });
          if (r.code !== 0) throw new Error('runc: ' + r.stderr);
          console.log(JSON.stringify({ id: h.id, workDir: h.workDir, sleeperPid: p.pid, containerPid: JSON.parse(r.stdout).pid,
            cgroupDirs: h.hosts.flatMap((x) => x.node.cgroupDirs) }));
          setInterval(() => {}, 1000);
        })().catch((e) => { console.error(e); process.exit(1); });
      `;
      const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const info = await new Promise<ChildInfo>((resolve, reject) => {
        let buf = '';
        const timer = setTimeout(() => reject(new Error('child run did not start')), 40_000);
        proc.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('\n')) {
            clearTimeout(timer);
            resolve(JSON.parse(buf.split('\n')[0]) as ChildInfo);
          }
        });
        proc.once('exit', () => reject(new Error('child run exited early')));
      });
      expect(alive(info.containerPid)).toBe(true);
      expect(cgroupOf(info.containerPid, 'memory')).toBe(`/corral-hosts/${info.id}-h1/kubepods/swept`);

      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      // SIGKILL gave the run no chance: its hosts, container and cgroups are all still there
      expect(alive(info.containerPid)).toBe(true);
      expect(runCgroupDirs(info.id).length).toBeGreaterThan(0);

      const out = execFileSync(process.execPath, [path.join(dist, 'cli.js'), 'sweep'], { encoding: 'utf8', timeout: 60_000 });
      const result = JSON.parse(out) as { swept: string[]; failed: string[] };
      expect(result.failed).toEqual([]);
      // a parallel run's sweep may have got there first; then the state file is gone already
      if (!result.swept.includes(info.id)) expect(fs.existsSync(`${STATE_ROOT}/${info.id}.json`)).toBe(false);

      await eventually('container gone', () => (alive(info.containerPid) ? undefined : true));
      expect(alive(info.sleeperPid)).toBe(false);
      expect(runCgroupDirs(info.id)).toEqual([]);
      for (const d of info.cgroupDirs) expect(fs.existsSync(d)).toBe(false);
      expect(rootMountsMentioning(info.id)).toEqual([]);
      expect(ipNames()).not.toMatch(new RegExp(`crl-?${info.id}`));
      expect(fs.existsSync(info.workDir)).toBe(false);
      expect(fs.existsSync(`${STATE_ROOT}/${info.id}.json`)).toBe(false);
    } finally {
      fs.rmSync(dist, { recursive: true, force: true });
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
