import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onProcessExit } from './exit-cleanup';
import { HostProcess, ProcessExit } from './host-process';
import { networkNames, newRunId } from './network-names';
import {
  CGROUP_ROOT,
  CgroupLayout,
  NODE_PRIVATE_DIRS,
  NodeHostInfo,
  NodeHostOptions,
  cgroupLayout,
  cgroupPidsSync,
  createHostCgroups,
  ensureMountpoints,
  hostCgroupDirs,
  hostCgroupPath,
  nodeEnterArgv,
  nodeSetupScript,
  thawSync,
} from './node-host';
import { CommandResult, RunOptions, killGroup, runChecked, runCommand } from './run-command';
import {
  DEFAULT_STATE_ROOT,
  RunState,
  claimSubnet,
  createRunState,
  processStartTime,
  readClaims,
  writeRunState,
} from './run-state';
import { addressIn, pickSubnet, usedPrefixes } from './subnet-picker';
import { sweep, teardownRun } from './teardown';
import type { TestHost } from './test-host';

export interface HostHarnessOptions {
  /** hosts to create up front (default 1; more with addHost) */
  count?: number;
  /** keep state dirs and logs after destroy (default false) */
  keepFiles?: boolean;
  /** timeout for each `ip` command and the default for exec (default 10 s) */
  commandTimeoutMs?: number;
  /** remove leftovers of dead runs before starting (default true) */
  sweepStale?: boolean;
  /**
   * Make the hosts node hosts, able to hold a real kubelet, containerd and runc containers:
   * a cgroup subtree per host, bound as /sys/fs/cgroup inside, a private /run and private
   * node state dirs. Applies to `count` and to later addHost calls (unless they say otherwise).
   */
  nodes?: boolean | NodeHostOptions;
}

export interface AddHostOptions {
  /** make this host a node host (default: the harness's `nodes` option) */
  node?: boolean | NodeHostOptions;
}

export interface StartProcessOptions {
  /** extra variables added to the inherited environment */
  env?: Record<string, string>;
  /** working directory (default: the host's stateDir) */
  cwd?: string;
  /** log file for stdout and stderr, appended to (default: <logDir>/<name>.log) */
  logFile?: string;
  /** label used for the default log file name */
  name?: string;
}

/**
 * `down`: the root-side veth goes down, the host sees its link lose carrier.
 * `detach`: the veth leaves the bridge; both ends stay up and packets vanish silently.
 */
export type CutMode = 'down' | 'detach';

export type HostRef = number | TestHost;

const MAX_HOSTS = 253; // .2 .. .254
const NODE_SETUP_TIMEOUT_MS = 15_000;
const SUBNET_ATTEMPTS = 10;
const LINK_WAIT_MS = 3000;

/**
 * Test hosts as Linux network namespaces on a private bridge. The root namespace holds the
 * bridge and its first address (`serverAddress`), so a server in the root namespace that
 * listens on 0.0.0.0 or on `serverAddress` is reachable from every host. There is no route
 * from the hosts to anything but the bridge /24 and their own loopback, and the bridge is
 * never forwarded (its `forwarding` sysctl is 0).
 */
export class HostHarness {
  readonly hosts: TestHost[] = [];
  private readonly processes = new Set<HostProcess>();
  private readonly cuts = new Map<number, CutMode>();
  private releaseExitHook: () => void = () => undefined;
  private destroyed = false;
  private processSeq = 0;
  private nodeLayout: CgroupLayout | null = null;
  /** open fds on node hosts' mount, UTS and cgroup namespaces: they keep them alive */
  private readonly nsFds: number[] = [];

  private constructor(
    private readonly state: RunState,
    private readonly timeoutMs: number,
    private readonly nodeDefault: NodeHostOptions | null,
  ) {}

  static async create(opts: HostHarnessOptions = {}): Promise<HostHarness> {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'HostHarness needs root: it creates network namespaces, veth pairs and a bridge with `ip`. Run as root (CI does).',
      );
    }
    const timeoutMs = opts.commandTimeoutMs ?? 10_000;
    const ip = await runCommand(['ip', '-V'], { timeoutMs }).catch((e: Error) => e);
    if (ip instanceof Error || ip.code !== 0) throw new Error('HostHarness needs `ip` from iproute2 on PATH');
    const nodeDefault = opts.nodes ? (opts.nodes === true ? {} : opts.nodes) : null;
    if (nodeDefault) await checkNodeTools(timeoutMs);
    if (opts.sweepStale !== false) sweep(DEFAULT_STATE_ROOT);

    const state = createState(opts.keepFiles ?? false);
    const harness = new HostHarness(state, timeoutMs, nodeDefault);
    harness.releaseExitHook = onProcessExit(() => harness.teardownSync());
    try {
      state.workDir = fs.mkdtempSync(path.join(os.tmpdir(), `corral-hosts-${state.id}-`));
      harness.save();
      await harness.createBridge();
      for (let i = 0; i < (opts.count ?? 1); i++) await harness.addHost();
      return harness;
    } catch (err) {
      harness.teardownSync();
      throw err;
    }
  }

  get id(): string {
    return this.state.id;
  }

  /** the harness /24, e.g. 10.213.57.0/24 */
  get subnet(): string {
    return this.state.subnet!;
  }

  /** the root namespace's address on the bridge (.1): where hosts reach the server */
  get serverAddress(): string {
    return addressIn(this.subnet, 1);
  }

  get bridge(): string {
    return this.state.bridge!;
  }

  /** temp dir holding each host's state dir and logs */
  get workDir(): string {
    return this.state.workDir!;
  }

  host(ref: HostRef): TestHost {
    const h = typeof ref === 'number' ? this.hosts[ref] : this.hosts[ref.index];
    if (!h) throw new Error(`no test host ${typeof ref === 'number' ? ref : ref.name}`);
    return h;
  }

  /**
   * Adds one more host: namespace, veth on the bridge, next address, lo up, empty state dir;
   * for a node host also its cgroups and mount namespace (see README "Node hosts").
   */
  async addHost(opts: AddHostOptions = {}): Promise<TestHost> {
    this.assertLive();
    const nodeOpts = opts.node === undefined ? this.nodeDefault : opts.node ? (opts.node === true ? {} : opts.node) : null;
    if (nodeOpts && opts.node !== undefined && !this.nodeDefault) await checkNodeTools(this.timeoutMs);
    const index = this.hosts.length;
    if (index >= MAX_HOSTS) throw new Error(`a harness holds at most ${MAX_HOSTS} hosts`);
    const name = networkNames.host(index);
    const host: TestHost = {
      index,
      name,
      namespace: networkNames.namespace(this.id, index),
      address: addressIn(this.subnet, index + 2),
      link: networkNames.rootLink(this.id, index),
      stateDir: path.join(this.workDir, name, 'state'),
      logDir: path.join(this.workDir, name, 'logs'),
    };
    this.state.namespaces.push(host.namespace);
    this.state.links.push(host.link);
    this.save();

    await this.ip(['netns', 'add', host.namespace]);
    await this.ip(['link', 'add', host.link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.namespace]);
    await this.ip(['link', 'set', host.link, 'master', this.bridge, 'up']);
    await this.ip(['-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
    await this.ip(['-n', host.namespace, 'link', 'set', 'lo', 'up']);
    await this.ip(['-n', host.namespace, 'link', 'set', 'eth0', 'up']);
    fs.mkdirSync(host.stateDir, { recursive: true });
    fs.mkdirSync(host.logDir, { recursive: true });
    await this.waitLowerUp(host.namespace, 'eth0');
    if (nodeOpts) {
      // a real node has a default route: the host's own traffic to a Service's cluster IP needs
      // some route before kube-proxy's OUTPUT rules rewrite it. It ends in the root namespace,
      // which forwards nothing from the bridge (its forwarding sysctl is 0), so nothing leaves.
      await this.ip(['-n', host.namespace, 'route', 'add', 'default', 'via', this.serverAddress, 'dev', 'eth0']);
      host.node = await this.setupNode(host, nodeOpts);
    }
    this.hosts.push(host);
    return host;
  }

  /** Runs argv inside the host's namespace to completion (never rejects on a non-zero exit). */
  exec(ref: HostRef, argv: string[], opts: RunOptions = {}): Promise<CommandResult> {
    this.assertLive();
    const host = this.host(ref);
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    return runCommand(this.hostArgv(host, argv, process.cwd()), {
      ...opts,
      timeoutMs: opts.timeoutMs ?? this.timeoutMs,
      onSpawn: (pid) => this.track(pid, finished),
    }).finally(done);
  }

  /** Starts a long-running process (an agent, say) inside the host's namespace, logging to a file. */
  startProcess(ref: HostRef, argv: string[], opts: StartProcessOptions = {}): HostProcess {
    this.assertLive();
    const host = this.host(ref);
    const name = opts.name ?? `${path.basename(argv[0])}-${this.processSeq++}`;
    const logFile = opts.logFile ?? path.join(host.logDir, `${name}.log`);
    const fd = fs.openSync(logFile, 'a');
    try {
      fs.writeSync(fd, `--- ${new Date().toISOString()} start in ${host.namespace}: ${argv.join(' ')}\n`);
      const [cmd, ...args] = this.hostArgv(host, argv, opts.cwd ?? host.stateDir);
      const child = spawn(cmd, args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        cwd: opts.cwd ?? host.stateDir,
        env: opts.env ? { ...process.env, ...opts.env } : undefined,
      });
      const proc = new HostProcess(host, { argv, env: opts.env, cwd: opts.cwd, logFile, name }, child);
      this.track(proc.pid, proc.wait());
      this.processes.add(proc);
      void proc.wait().then(() => this.processes.delete(proc));
      return proc;
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Stops a process (SIGTERM with a grace period, or straight SIGKILL) and starts it again
   * with the same command, env and log file, in the same host.
   */
  async restartProcess(
    proc: HostProcess,
    opts: { signal?: 'SIGTERM' | 'SIGKILL'; graceMs?: number } = {},
  ): Promise<HostProcess> {
    await this.stopProcess(proc, opts);
    const { argv, env, cwd, logFile, name } = proc.spec;
    return this.startProcess(proc.host, argv, { env, cwd, logFile, name });
  }

  async stopProcess(proc: HostProcess, opts: { signal?: 'SIGTERM' | 'SIGKILL'; graceMs?: number } = {}): Promise<ProcessExit> {
    if (opts.signal === 'SIGKILL') {
      proc.kill('SIGKILL');
      return proc.wait(5000);
    }
    return proc.stop(opts.graceMs);
  }

  /** Process ids living in the host's namespace (anything started there, by anyone). */
  async pids(ref: HostRef): Promise<number[]> {
    const out = await this.ip(['netns', 'pids', this.host(ref).namespace]);
    return out.split(/\s+/).filter(Boolean).map(Number);
  }

  /**
   * Process ids in a node host's cgroups: what the harness started there and everything those
   * started, containers included (they have network namespaces of their own, so `pids` misses
   * them). Empty for other hosts.
   */
  cgroupPids(ref: HostRef): number[] {
    const node = this.host(ref).node;
    return node ? cgroupPidsSync(node.cgroupDirs) : [];
  }

  /**
   * Where a path inside a host is on the machine: a node host's private dirs (/var/lib/kubelet,
   * …) map into its work dir, and /sys/fs/cgroup/<hierarchy>/… to its cgroup. Other paths are
   * shared with the machine and come back as they are; a node host's /run is private and has
   * no machine path.
   */
  hostPath(ref: HostRef, p: string): string {
    const node = this.host(ref).node;
    if (!node) return p;
    const abs = path.resolve('/', p);
    const under = (dir: string) => abs === dir || abs.startsWith(`${dir}/`);
    for (const dir of node.privateDirs) if (under(dir)) return path.join(node.rootDir, abs);
    if (under(CGROUP_ROOT) && abs !== CGROUP_ROOT) {
      const [name, ...rest] = path.relative(CGROUP_ROOT, abs).split('/');
      const real = this.nodeLayout?.links.find((l) => l.name === name)?.target ?? name;
      const dir = node.cgroupDirs.find((d) => d.startsWith(`${CGROUP_ROOT}/${real}/`));
      if (dir) return path.join(dir, ...rest);
    }
    if (under('/run') || under('/var/run') || under(CGROUP_ROOT)) throw new Error(`${p} in ${this.host(ref).name} has no path on the machine`);
    return abs;
  }

  /**
   * Signals every process in the host's namespace (and in a node host's cgroups, containers
   * included); with SIGKILL, waits until none is left. A node host's mounts (/run, …) stay.
   */
  async killAll(ref: HostRef, signal: NodeJS.Signals = 'SIGKILL'): Promise<number[]> {
    const killed = new Set<number>();
    const rounds = signal === 'SIGKILL' ? 10 : 1; // repeat only for SIGKILL, to catch forks
    const node = this.host(ref).node;
    for (let round = 0; round < rounds; round++) {
      if (node && signal === 'SIGKILL') thawSync(node.cgroupDirs);
      const netPids = await this.pids(ref);
      const pids = [...new Set([...netPids, ...(node ? cgroupPidsSync(node.cgroupDirs) : [])])].filter((p) => p !== process.pid);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
          killed.add(pid);
        } catch {
          // gone already
        }
      }
      if (rounds > 1) await sleep(20 * (round + 1));
    }
    return [...killed];
  }

  /** Cuts the host off the bridge: nothing reaches it and it reaches nothing but its loopback. */
  async cutLink(ref: HostRef, mode: CutMode = 'down'): Promise<void> {
    this.assertLive();
    const host = this.host(ref);
    if (this.cuts.has(host.index)) return;
    if (mode === 'down') await this.ip(['link', 'set', host.link, 'down']);
    else await this.ip(['link', 'set', host.link, 'nomaster']);
    this.cuts.set(host.index, mode);
  }

  /** Undoes cutLink and waits until the link carries traffic again. */
  async restoreLink(ref: HostRef): Promise<void> {
    this.assertLive();
    const host = this.host(ref);
    const mode = this.cuts.get(host.index);
    if (!mode) return;
    if (mode === 'down') await this.ip(['link', 'set', host.link, 'up']);
    else await this.ip(['link', 'set', host.link, 'master', this.bridge]);
    this.cuts.delete(host.index);
    await this.waitLowerUp(null, host.link);
    await this.waitLowerUp(host.namespace, 'eth0');
  }

  isCut(ref: HostRef): boolean {
    return this.cuts.has(this.host(ref).index);
  }

  /**
   * Stops the processes it started (SIGTERM, SIGKILL after graceMs), kills whatever else runs
   * in its namespaces, and removes namespaces, veths, bridge, files and state file.
   * Throws if anything named for this run is still there afterwards.
   */
  async destroy(opts: { graceMs?: number } = {}): Promise<void> {
    if (this.destroyed) return;
    await Promise.all([...this.processes].map((p) => p.stop(opts.graceMs ?? 2000).catch(() => undefined)));
    const leftovers = this.teardownSync();
    if (leftovers.length > 0) throw new Error(`HostHarness ${this.id}: could not remove ${leftovers.join(', ')}`);
  }

  /** Records a started process in the state file until it ends, so any teardown can kill it. */
  private track(pid: number, ended: Promise<unknown>): void {
    const entry = { pid, startTime: processStartTime(pid) };
    (this.state.processes ??= []).push(entry);
    this.save();
    void ended.then(() => {
      if (this.destroyed) return;
      this.state.processes = this.state.processes!.filter((p) => p !== entry);
      this.save();
    });
  }

  private teardownSync(): string[] {
    if (this.destroyed) return [];
    this.destroyed = true;
    this.releaseExitHook();
    for (const fd of this.nsFds.splice(0)) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed already
      }
    }
    return teardownRun(DEFAULT_STATE_ROOT, this.state);
  }

  /** argv that runs `argv` inside the host (`ip netns exec`, or nsenter for a node host) */
  private hostArgv(host: TestHost, argv: string[], cwd: string): string[] {
    if (host.node) return nodeEnterArgv(host.node.namespaces, cwd, argv);
    return ['ip', 'netns', 'exec', host.namespace, ...argv];
  }

  /**
   * Cgroups in every hierarchy, private dirs and mount points, then the host's mount, UTS and
   * cgroup namespaces, made by a shell under `ip netns exec` and held open by this process.
   * The cgroups and the use of mount points are on record in the state file before they exist.
   */
  private async setupNode(host: TestHost, opts: NodeHostOptions): Promise<NodeHostInfo> {
    const layout = (this.nodeLayout ??= cgroupLayout());
    const cgroupPath = hostCgroupPath(this.id, host.name);
    const cgroupDirs = hostCgroupDirs(layout, this.id, host.name);
    const privateDirs = [...new Set([...NODE_PRIVATE_DIRS, ...(opts.extraPrivateDirs ?? [])].map((d) => path.resolve('/', d)))];
    for (const d of privateDirs) {
      if (['/', '/run', '/var/run', '/sys', '/proc', '/dev', '/tmp'].includes(d) || d.startsWith(`${CGROUP_ROOT}`)) {
        throw new Error(`${d} cannot be a node host's private dir`);
      }
    }
    const rootDir = path.join(this.workDir, host.name, 'node');

    (this.state.cgroups ??= []).push(...cgroupDirs);
    this.save();
    createHostCgroups(cgroupDirs);
    for (const d of privateDirs) fs.mkdirSync(path.join(rootDir, d), { recursive: true });
    ensureMountpoints(DEFAULT_STATE_ROOT, privateDirs, () => {
      if (this.state.usesMountpoints) return;
      this.state.usesMountpoints = true;
      this.save();
    });

    const hostname = host.namespace;
    const script = nodeSetupScript({
      layout,
      cgroupPath,
      hostname,
      privateMounts: privateDirs.map((d) => ({ source: path.join(rootDir, d), target: d })),
    });
    const namespaces = await this.runNodeSetup(host, script);
    return { cgroupPath, cgroupDirs, rootDir, privateDirs, hostname, namespaces };
  }

  /**
   * Runs the setup script and, while it waits, opens its mount, UTS and cgroup namespaces. The
   * open fds keep them alive for later processes (nsenter via /proc/<pid>/fd/<n>); no mount on
   * the machine is needed, and the owner's death (even SIGKILL) closes them.
   * (Bind-mounting the namespace files instead fails at random on kernels whose namespace ids
   * are allocated per CPU, when the owner is not in the initial mount namespace.)
   */
  private async runNodeSetup(host: TestHost, script: string): Promise<NodeHostInfo['namespaces']> {
    const child = spawn('ip', ['netns', 'exec', host.namespace, 'unshare', '--uts', '--', 'sh', '-c', script], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) this.track(child.pid, new Promise((r) => child.once('close', r)));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => {
      child.once('close', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    const fail = (why: string) => {
      killGroup(child.pid, 'SIGKILL');
      return new Error(`node host ${host.name}: ${why}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
    };
    const deadline = Date.now() + NODE_SETUP_TIMEOUT_MS;
    let pid: number | null = null;
    while (pid === null) {
      const m = /^ready (\d+)$/m.exec(stdout);
      if (m) pid = Number(m[1]);
      else if (child.exitCode !== null || child.signalCode !== null) {
        await closed;
        throw fail(`setup exited ${child.exitCode ?? child.signalCode}`);
      } else if (Date.now() > deadline) throw fail(`setup not ready after ${NODE_SETUP_TIMEOUT_MS}ms`);
      else await sleep(10);
    }
    const fds: Record<string, number> = {};
    try {
      for (const ns of ['mnt', 'uts', 'cgroup']) {
        fds[ns] = fs.openSync(`/proc/${pid}/ns/${ns}`, 'r');
        this.nsFds.push(fds[ns]);
      }
    } catch (err) {
      throw fail((err as Error).message);
    }
    child.stdin!.end();
    const code = await closed;
    if (code !== 0) throw fail(`setup exited ${code}`);
    const fd = (n: number) => `/proc/${process.pid}/fd/${n}`;
    return { net: `/run/netns/${host.namespace}`, mount: fd(fds.mnt), uts: fd(fds.uts), cgroup: fd(fds.cgroup) };
  }

  private async createBridge(): Promise<void> {
    this.state.subnet = await this.claimFreeSubnet();
    this.state.bridge = networkNames.bridge(this.id);
    this.save();
    // A fixed MAC: by default a bridge takes the lowest MAC of its ports and changes it as
    // hosts come and go, leaving hosts with stale ARP entries for serverAddress.
    await this.ip(['link', 'add', this.bridge, 'address', networkNames.bridgeMac(this.id), 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
    // Defence in depth: even if someone turns on ip_forward, nothing from the bridge is routed.
    fs.writeFileSync(`/proc/sys/net/ipv4/conf/${this.bridge}/forwarding`, '0');
    await this.ip(['addr', 'add', `${this.serverAddress}/24`, 'dev', this.bridge]);
    await this.ip(['link', 'set', this.bridge, 'up']);
  }

  private async claimFreeSubnet(): Promise<string> {
    for (let attempt = 0; attempt < SUBNET_ATTEMPTS; attempt++) {
      const [addrs, routes] = await Promise.all([
        this.ip(['-o', '-4', 'addr', 'show']),
        this.ip(['-4', 'route', 'show', 'table', 'all']),
      ]);
      const subnet = pickSubnet(usedPrefixes(addrs, routes), new Set(readClaims(DEFAULT_STATE_ROOT).keys()));
      if (!subnet) break;
      const octet = Number(subnet.split('.')[2]);
      if (claimSubnet(DEFAULT_STATE_ROOT, octet, this.id)) return subnet;
      await sleep(10 + Math.random() * 40 * (attempt + 1));
    }
    throw new Error('HostHarness: no free /24 left in 10.213.0.0/16 (run `sweep` to clear dead runs)');
  }

  private async waitLowerUp(namespace: string | null, dev: string): Promise<void> {
    const argv = namespace ? ['-n', namespace, '-o', 'link', 'show', dev] : ['-o', 'link', 'show', dev];
    const deadline = Date.now() + LINK_WAIT_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      if ((await this.ip(argv)).includes('LOWER_UP')) return;
      if (Date.now() > deadline) throw new Error(`${namespace ?? 'root'}/${dev} did not come up in ${LINK_WAIT_MS}ms`);
      await sleep(delay);
    }
  }

  private ip(args: string[]): Promise<string> {
    return runChecked(['ip', ...args], { timeoutMs: this.timeoutMs });
  }

  private save(): void {
    writeRunState(DEFAULT_STATE_ROOT, this.state);
  }

  private assertLive(): void {
    if (this.destroyed) throw new Error(`HostHarness ${this.id} is destroyed`);
  }
}

function createState(keepFiles: boolean): RunState {
  for (let attempt = 0; ; attempt++) {
    const state: RunState = {
      version: 1,
      id: newRunId(),
      pid: process.pid,
      pidStartTime: processStartTime(process.pid),
      createdAt: new Date().toISOString(),
      subnet: null,
      bridge: null,
      namespaces: [],
      links: [],
      workDir: null,
      keepFiles,
    };
    try {
      createRunState(DEFAULT_STATE_ROOT, state);
      return state;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
    }
  }
}

/** Node hosts use util-linux (nsenter, unshare, mount) and grep in a POSIX shell. */
async function checkNodeTools(timeoutMs: number): Promise<void> {
  const missing: string[] = [];
  for (const tool of ['nsenter', 'unshare', 'mount', 'umount', 'grep']) {
    const r = await runCommand(['sh', '-c', `command -v ${tool}`], { timeoutMs }).catch(() => null);
    if (!r || r.code !== 0) missing.push(tool);
  }
  if (missing.length > 0) throw new Error(`node hosts need ${missing.join(', ')} on PATH (util-linux, grep)`);
  raiseInotifyLimits();
}

/**
 * Every kubelet and containerd holds inotify instances (CA file and CNI config watchers), and
 * the limits are per user, machine-wide: Debian's 128 instances run out with a few nodes on one
 * machine ("too many open files" from fsnotify, and containerd's CRI plugin fails to load).
 * Raised to what Kubernetes distributions set on their nodes; never lowered.
 */
const INOTIFY_LIMITS: Record<string, number> = { max_user_instances: 8192, max_user_watches: 524288 };

function raiseInotifyLimits(): void {
  for (const [name, wanted] of Object.entries(INOTIFY_LIMITS)) {
    const path = `/proc/sys/fs/inotify/${name}`;
    if (Number(fs.readFileSync(path, 'utf8').trim()) < wanted) fs.writeFileSync(path, String(wanted));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
