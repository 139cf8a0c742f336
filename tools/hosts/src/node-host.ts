import * as fs from 'node:fs';
import * as path from 'node:path';
import { processStartTime, readRunStates } from './run-state';

/**
 * Node hosts: test hosts that can hold a real kubelet, containerd and runc containers.
 *
 * Each node host gets, on top of its network namespace:
 * - a cgroup subtree `<mount>/corral-hosts/<runId>-<host>` in every cgroup hierarchy of the
 *   machine (cgroup v1, and the hybrid cgroup2 mount if there is one);
 * - a mount namespace of its own, made once per host and shared by every process started in
 *   it, in which /sys/fs/cgroup is a tmpfs with each hierarchy's per-host subtree bind-mounted
 *   at its usual place, /run is a private tmpfs, and the node state dirs (/var/lib/kubelet, …)
 *   are bind mounts of dirs in the host's work dir;
 * - a cgroup namespace rooted at that subtree (so /proc/self/cgroup and mountinfo agree with
 *   what /sys/fs/cgroup shows) and a UTS namespace with its own hostname.
 * Every process the harness starts in a node host enters those namespaces and moves into the
 * host's cgroups before it execs (see nodeEnterArgv).
 */

export const CGROUP_ROOT = '/sys/fs/cgroup';
/** the per-run parent of the per-host cgroups, in every hierarchy */
export const NODE_CGROUP_PARENT = 'corral-hosts';
/** dirs each node host has its own copy of (bind mounts of dirs under the host's work dir) */
export const NODE_PRIVATE_DIRS: readonly string[] = [
  '/var/lib/kubelet',
  '/var/log/pods',
  '/var/log/containers',
  '/var/lib/containerd',
  '/var/lib/cni',
  '/etc/cni/net.d',
];

const HOST_CGROUP_PATTERN = /^([0-9a-f]{6})-h\d+$/;
const MOUNTPOINTS_RECORD = 'node-mountpoints.json';
const MOUNTPOINTS_LOCK = 'node-mountpoints.lock';

export interface NodeHostOptions {
  /** more dirs, besides NODE_PRIVATE_DIRS, that each node host gets its own copy of (absolute paths) */
  extraPrivateDirs?: string[];
}

/** What makes a test host a node host; set on TestHost.node. */
export interface NodeHostInfo {
  /** the host's cgroup in every hierarchy as the machine names it: /corral-hosts/<runId>-<host> */
  cgroupPath: string;
  /** the machine dirs of that cgroup, one per hierarchy (/sys/fs/cgroup/memory/corral-hosts/…) */
  cgroupDirs: string[];
  /** holds the host's private dirs: `<rootDir>/var/lib/kubelet` is the host's /var/lib/kubelet */
  rootDir: string;
  /** the dirs the host has its own copy of, as the host names them */
  privateDirs: string[];
  /** the host's hostname (its own UTS namespace) */
  hostname: string;
  /**
   * paths to the host's namespaces for `nsenter --net=… --mount=… --uts=… --cgroup=…`: net is
   * /run/netns/<ns>; the others are /proc/<owner pid>/fd/<n>, open while the harness is
   */
  namespaces: { net: string; mount: string; cgroup: string; uts: string };
}

export interface MountEntry {
  root: string;
  mountpoint: string;
  fstype: string;
  source: string;
  superOptions: string;
}

export interface CgroupHierarchy {
  /** dir name under /sys/fs/cgroup, e.g. "memory" or "cpu,cpuacct" */
  name: string;
  type: 'cgroup' | 'cgroup2';
  /** super options to mount it again, e.g. "rw,memory" or "rw,name=systemd" */
  options: string;
  /** the path inside the hierarchy that the machine's mount shows (normally "/") */
  root: string;
  mountpoint: string;
}

export interface CgroupLayout {
  hierarchies: CgroupHierarchy[];
  /** symlinks in /sys/fs/cgroup, e.g. cpu -> cpu,cpuacct */
  links: { name: string; target: string }[];
}

/** The mount table of this process's mount namespace. */
export function readMountInfo(file = '/proc/self/mountinfo'): MountEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [pre, post] = line.split(' - ');
    if (post === undefined) continue;
    const f = pre.split(' ');
    const [fstype, source, superOptions] = post.split(' ');
    entries.push({ root: unescapeMount(f[3]), mountpoint: unescapeMount(f[4]), fstype, source, superOptions: superOptions ?? '' });
  }
  return entries;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * The machine's cgroup hierarchies as mounted under /sys/fs/cgroup. Throws on a pure cgroup v2
 * machine: node hosts need the v1 layout (a tmpfs with one mount per hierarchy).
 */
export function cgroupLayout(entries = readMountInfo(), links = readCgroupLinks()): CgroupLayout {
  const top = entries.filter((e) => e.mountpoint === CGROUP_ROOT).pop();
  if (top?.fstype === 'cgroup2') {
    throw new Error('node hosts need cgroup v1 (a tmpfs on /sys/fs/cgroup with one mount per hierarchy); this machine has cgroup v2 only');
  }
  const byMountpoint = new Map<string, CgroupHierarchy>();
  for (const e of entries) {
    if ((e.fstype !== 'cgroup' && e.fstype !== 'cgroup2') || path.dirname(e.mountpoint) !== CGROUP_ROOT) continue;
    byMountpoint.set(e.mountpoint, {
      name: path.basename(e.mountpoint),
      type: e.fstype,
      // release_agent is per hierarchy and may only be set from the initial namespaces: not repeated
      options: e.superOptions
        .split(',')
        .filter((o) => !o.startsWith('release_agent='))
        .join(','),
      root: e.root,
      mountpoint: e.mountpoint,
    });
  }
  const hierarchies = [...byMountpoint.values()];
  if (hierarchies.length === 0) throw new Error(`node hosts need cgroup hierarchies mounted under ${CGROUP_ROOT}; found none`);
  return { hierarchies, links };
}

/** Symlinks in /sys/fs/cgroup: co-mounted hierarchies under each controller's name. */
export function readCgroupLinks(): CgroupLayout['links'] {
  const links: CgroupLayout['links'] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(CGROUP_ROOT);
  } catch {
    return links;
  }
  for (const name of names) {
    const p = path.join(CGROUP_ROOT, name);
    if (fs.lstatSync(p).isSymbolicLink()) links.push({ name, target: fs.readlinkSync(p) });
  }
  return links;
}

/** The host's cgroup as the machine names it in each hierarchy, e.g. /corral-hosts/1a2b3c-h0. */
export function hostCgroupPath(runId: string, hostName: string): string {
  return `/${NODE_CGROUP_PARENT}/${runId}-${hostName}`;
}

export function hostCgroupDirs(layout: CgroupLayout, runId: string, hostName: string): string[] {
  return layout.hierarchies.map((h) => path.join(h.mountpoint, hostCgroupPath(runId, hostName)));
}

/** Creates the host's cgroup in every hierarchy, copying cpuset.cpus/mems down each new level. */
export function createHostCgroups(dirs: string[]): void {
  for (const dir of dirs) {
    const parent = path.dirname(dir);
    for (let attempt = 0; ; attempt++) {
      try {
        mkdirIfMissing(parent);
        inheritCpuset(path.dirname(parent), parent);
        mkdirIfMissing(dir);
        inheritCpuset(parent, dir);
        break;
      } catch (err) {
        // another run removed the shared parent just now (it rmdirs it when it empties)
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw err;
      }
    }
  }
}

function mkdirIfMissing(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** A new cpuset cgroup starts with empty cpus/mems and takes no task until they are set. */
function inheritCpuset(from: string, to: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const target = path.join(to, file);
    if (!fs.existsSync(target)) return;
    if (fs.readFileSync(target, 'utf8').trim() !== '') continue;
    fs.writeFileSync(target, fs.readFileSync(path.join(from, file), 'utf8').trim());
  }
}

/** Every cgroup dir at or below `dir`, deepest first; none if it is gone. */
export function cgroupTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out;
}

/** Process ids in the given cgroups and all their descendants, in any hierarchy. */
export function cgroupPidsSync(dirs: string[]): number[] {
  const pids = new Set<number>();
  for (const dir of dirs) {
    for (const d of cgroupTree(dir)) {
      let text = '';
      try {
        text = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8');
      } catch {
        continue;
      }
      for (const s of text.split('\n')) {
        const pid = Number(s);
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) pids.add(pid);
      }
    }
  }
  return [...pids];
}

/** Frozen tasks do not die of SIGKILL until thawed (a paused container, say). */
export function thawSync(dirs: string[]): void {
  for (const dir of dirs) {
    for (const d of cgroupTree(dir)) {
      tryWrite(path.join(d, 'freezer.state'), 'THAWED', (cur) => cur !== 'THAWED');
      tryWrite(path.join(d, 'cgroup.freeze'), '0', (cur) => cur === '1');
    }
  }
}

function tryWrite(file: string, value: string, when: (current: string) => boolean): void {
  try {
    if (when(fs.readFileSync(file, 'utf8').trim())) fs.writeFileSync(file, value);
  } catch {
    // not this hierarchy's file, or the cgroup is gone
  }
}

/**
 * Signals every process in the cgroups and below. With SIGKILL, repeats (thawing, and using
 * cgroup.kill where the kernel has it) until the cgroups are empty; returns whether they are.
 * Containers sit in their own network namespaces: this is what finds them.
 */
export function killCgroupsSync(dirs: string[], signal: NodeJS.Signals = 'SIGKILL', rounds = 40): boolean {
  if (signal !== 'SIGKILL') {
    for (const pid of cgroupPidsSync(dirs)) signalPid(pid, signal);
    return cgroupPidsSync(dirs).length === 0;
  }
  for (let round = 0; round < rounds; round++) {
    thawSync(dirs);
    const pids = cgroupPidsSync(dirs);
    if (pids.length === 0) return true;
    for (const dir of dirs) tryWrite(path.join(dir, 'cgroup.kill'), '1', () => true);
    for (const pid of pids) signalPid(pid, 'SIGKILL');
    sleepSync(Math.min(10 * (round + 1), 200));
  }
  return cgroupPidsSync(dirs).length === 0;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/**
 * Removes the cgroups depth-first (they must be empty), then their `corral-hosts` parents when
 * no other run has hosts there. Returns the dirs that still exist.
 */
export function removeCgroupsSync(dirs: string[]): string[] {
  for (let attempt = 0; attempt < 20; attempt++) {
    for (const dir of dirs) {
      for (const d of cgroupTree(dir)) {
        try {
          fs.rmdirSync(d);
        } catch {
          // busy for a moment after its last task died, or not empty: retried below
        }
      }
    }
    if (dirs.every((d) => !fs.existsSync(d))) break;
    sleepSync(25 * (attempt + 1));
  }
  for (const parent of new Set(dirs.map((d) => path.dirname(d)))) {
    if (path.basename(parent) !== NODE_CGROUP_PARENT) continue;
    try {
      fs.rmdirSync(parent);
    } catch {
      // another run's hosts are in it
    }
  }
  return dirs.filter((d) => fs.existsSync(d));
}

/** Per-host cgroup dirs of any run (`<mount>/corral-hosts/<runId>-h<i>`) that exist now. */
export function listHostCgroupDirs(entries = readMountInfo()): string[] {
  const found: string[] = [];
  for (const e of entries) {
    if ((e.fstype !== 'cgroup' && e.fstype !== 'cgroup2') || !e.mountpoint.startsWith(`${CGROUP_ROOT}/`)) continue;
    const parent = path.join(e.mountpoint, NODE_CGROUP_PARENT);
    let names: string[] = [];
    try {
      names = fs.readdirSync(parent);
    } catch {
      continue;
    }
    for (const n of names) if (HOST_CGROUP_PATTERN.test(n)) found.push(path.join(parent, n));
  }
  return [...new Set(found)];
}

/** The run id of a per-host cgroup dir, or null when it is not one. */
export function runIdOfCgroup(dir: string): string | null {
  if (path.basename(path.dirname(dir)) !== NODE_CGROUP_PARENT) return null;
  return HOST_CGROUP_PATTERN.exec(path.basename(dir))?.[1] ?? null;
}

/** Single-quotes a string for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface NodeSetupParams {
  layout: CgroupLayout;
  cgroupPath: string;
  hostname: string;
  /** bind mounts: machine dir -> path in the host */
  privateMounts: { source: string; target: string }[];
}

/**
 * The script that builds a node host's mount namespace. It runs under
 * `ip netns exec <ns> unshare --uts` (so in a fresh mount namespace, /sys remounted for the
 * host's network namespace, / made rslave: nothing mounted here reaches the machine), then
 * moves itself into the host's cgroups, unshares a cgroup namespace there, prints
 * "ready <pid>" and waits on stdin while the harness opens its namespaces.
 */
export function nodeSetupScript(p: NodeSetupParams): string {
  const q = shQuote;
  const lines = [
    'set -eu',
    `C=${CGROUP_ROOT}`,
    'S=$C/.corral-stage',
    // the copy of the machine's mount table holds every netns pin (/run/netns/*): drop them,
    // so this namespace keeps no other host's network namespace alive
    'if grep -q " /run/netns " /proc/self/mountinfo; then umount -l /run/netns; fi',
    'mount -t tmpfs -o rw,nosuid,nodev,noexec,mode=755 tmpfs "$C"',
    'mkdir "$S"',
  ];
  for (const h of p.layout.hierarchies) {
    const inside = `${h.root === '/' ? '' : h.root}${p.cgroupPath}`;
    lines.push(
      `mkdir "$C"/${q(h.name)}`,
      `mount -t ${h.type} -o ${q(h.options)} cgroup "$S"`,
      `mount --bind "$S"${q(inside)} "$C"/${q(h.name)}`,
      'umount "$S"',
    );
  }
  lines.push('rmdir "$S"');
  for (const l of p.layout.links) lines.push(`ln -s ${q(l.target)} "$C"/${q(l.name)}`);
  lines.push('mount -t tmpfs -o rw,nosuid,nodev,mode=755 tmpfs /run');
  for (const m of p.privateMounts) lines.push(`mount --bind ${q(m.source)} ${q(m.target)}`);
  lines.push(
    `printf %s ${q(p.hostname)} > /proc/sys/kernel/hostname`,
    ENTER_CGROUPS,
    `exec unshare --cgroup sh -c 'echo "ready $$"; read -r x || true'`,
  );
  return lines.join('\n');
}

/** Moves the shell into the host's cgroups: the root of each hierarchy as the host sees it. */
const ENTER_CGROUPS = `for d in ${CGROUP_ROOT}/*; do [ -L "$d" ] || echo $$ > "$d/cgroup.procs" || exit 125; done`;
const ENTER_SCRIPT = `${ENTER_CGROUPS}; cd "$1" || exit 125; shift; exec "$@"`;

/**
 * argv that runs `argv` in a node host: all its namespaces, in its cgroups, in `cwd`.
 * The pid is that of the final process (nsenter and sh exec, no fork).
 */
export function nodeEnterArgv(ns: NodeHostInfo['namespaces'], cwd: string, argv: string[]): string[] {
  return [
    'nsenter',
    `--net=${ns.net}`,
    `--mount=${ns.mount}`,
    `--uts=${ns.uts}`,
    `--cgroup=${ns.cgroup}`,
    '--',
    'sh',
    '-c',
    ENTER_SCRIPT,
    'corral-node',
    cwd,
    ...argv,
  ];
}

/**
 * Makes sure the mount points for the hosts' private dirs exist on the machine. Those it has to
 * create are recorded (shared by all runs) and removed again by releaseMountpoints once no run
 * uses them. `markInUse` records the calling run as a user, under the same lock, so a run
 * tearing down never removes a mount point another run is about to mount on.
 */
export function ensureMountpoints(stateRoot: string, dirs: string[], markInUse: () => void): void {
  withLock(stateRoot, () => {
    markInUse();
    const created = readRecord(stateRoot);
    for (const dir of dirs) {
      const parts = path.resolve(dir).split('/').filter(Boolean);
      for (let i = 1; i <= parts.length; i++) {
        const p = `/${parts.slice(0, i).join('/')}`;
        if (fs.existsSync(p)) continue;
        fs.mkdirSync(p, { mode: 0o755 });
        if (!created.includes(p)) created.push(p);
      }
    }
    writeRecord(stateRoot, created);
  });
}

/**
 * Removes the mount points the harness created, if no run on record (other than `exceptRunId`)
 * still uses them. Only empty dirs go; a dir someone else filled stays and is forgotten.
 */
export function releaseMountpoints(stateRoot: string, exceptRunId: string | null): void {
  if (!fs.existsSync(path.join(stateRoot, MOUNTPOINTS_RECORD))) return;
  withLock(stateRoot, () => {
    if (readRunStates(stateRoot).some((s) => s.id !== exceptRunId && s.usesMountpoints)) return;
    const created = readRecord(stateRoot).sort((a, b) => b.split('/').length - a.split('/').length);
    for (const dir of created) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // gone already, not empty, or a mount point in this namespace: not ours to remove
      }
    }
    fs.rmSync(path.join(stateRoot, MOUNTPOINTS_RECORD), { force: true });
  });
}

function readRecord(stateRoot: string): string[] {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(stateRoot, MOUNTPOINTS_RECORD), 'utf8')) as { created?: unknown };
    return Array.isArray(v.created) ? v.created.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function writeRecord(stateRoot: string, created: string[]): void {
  const file = path.join(stateRoot, MOUNTPOINTS_RECORD);
  if (created.length === 0) {
    fs.rmSync(file, { force: true });
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ created }, null, 2));
  fs.renameSync(tmp, file);
}

/** An exclusive-create lock file across processes; a lock whose owner died is taken over. */
function withLock<T>(stateRoot: string, fn: () => T, timeoutMs = 10_000): T {
  fs.mkdirSync(stateRoot, { recursive: true, mode: 0o755 });
  const file = path.join(stateRoot, MOUNTPOINTS_LOCK);
  const me = `${process.pid} ${processStartTime(process.pid)}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(file, me, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (lockOwnerGone(file)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${file} held for more than ${timeoutMs}ms`);
      sleepSync(10);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function lockOwnerGone(file: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return false; // released meanwhile: just retry
  }
  const [pid, start] = text.trim().split(' ');
  if (!pid) {
    // being written, or its owner died right after creating it
    try {
      return Date.now() - fs.statSync(file).mtimeMs > 2000;
    } catch {
      return false;
    }
  }
  const now = processStartTime(Number(pid));
  return now === null || (start !== 'null' && now !== start);
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
