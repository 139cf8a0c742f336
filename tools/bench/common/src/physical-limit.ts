import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expandComponentSpec, type ComponentSpec } from '@corral/contracts';
import { clusterBootstrapObjects, objectPath } from '@corral/kube';
import { composeAgentBinDir } from '@corral/kube-build';
import { HostHarness, STAND_IN_BIN, type TestHost } from '@corral/test-hosts';
import { harnessCpuMs } from './cpu-usage';
import { planLimitEnvironment, type LimitEnvironmentPlan, type LimitHostPlan } from './limit-plan';
import { probeOnce, type ExecProbeRunner } from './limit-probe';

export interface StageTiming {
  stage: string;
  ms: number;
}

/** One component of a physical-limit run: when it was started and when its probe first passed (ms after t0). */
export interface ComponentTiming {
  hostname: string;
  name: string;
  kind: string;
  dependsOn: string[];
  startedMs: number;
  healthyMs: number;
}

export interface PhysicalLimitResult {
  /** when the last component was healthy (ms after t0, the moment the first components were started) */
  totalMs: number;
  /** when the last component of each kind was healthy, in order */
  stages: StageTiming[];
  components: ComponentTiming[];
  /** further milestones (see LimitMilestone) and the steps they marked, ms after t0 */
  milestones: Record<string, number>;
  /** milestones that failed (absent from `milestones`), with why; the run itself counts */
  failedMilestones: Record<string, string>;
  /** CPU time (ms) used from t0 until the last component was healthy, by whom (see cpuSampler) */
  cpuMs: Record<string, number>;
}

/** CPU counters (ms) read at t0 and when the last component is healthy; the result holds the differences */
export type CpuSampler = () => Record<string, number | null>;

/** Where one host's components run in a limit run. */
export interface LimitHostRuntime {
  hostname: string;
  address: string;
  /** as an agent's --state-dir: components/<name> and data/<name> under it */
  stateDir: string;
  /** as an agent's --bin-dir */
  binDir: string;
  /** starts argv (argv[0] absolute) with exactly `env`, in cwd, logging under `name` */
  start(argv: string[], env: Record<string, string>, cwd: string, name: string): void;
  /** runs an exec probe's argv on the host */
  exec: ExecProbeRunner;
}

/**
 * What a milestone (e.g. a Deployment Available) gets: it starts at t0, beside the components,
 * so it can act the moment the cluster lets it (an image import once a host's containerd is
 * healthy, an object created once the apiserver accepts it).
 */
export interface LimitCluster {
  plan: LimitEnvironmentPlan;
  /** per plan host, in the same order */
  runtimes: LimitHostRuntime[];
  /** the node hosts (real mode only), in the plan's order */
  harness?: HostHarness;
  binDir: string;
  /** ms since t0 */
  elapsed(): number;
  /** resolves (ms after t0) when that host's component of that kind passed its probe; undefined when the host has none; rejects if the run fails */
  healthy(hostname: string, kind: string): Promise<number> | undefined;
  /** every component healthy (ms after t0) */
  allHealthy: Promise<number>;
  /** records an intermediate step, ms after t0, in the result's milestones */
  mark(name: string): void;
  /** aborted when a component failed or another milestone failed */
  signal: AbortSignal;
}

/** A step measured in the same run as the components, from the same t0; its time is when run() resolves. */
export interface LimitMilestone {
  name: string;
  run(cluster: LimitCluster): Promise<void>;
}

const COMPONENT_TIMEOUT_MS = 180_000;
const PROBE_PAUSE_MS = 25;
/** an exec probe is a few processes (containerd's: sh, ctr, awk): not so often on a 2-core machine */
const EXEC_PROBE_PAUSE_MS = 100;

/**
 * The physical limit of bringing an environment up: the same component specs the server
 * would write (same planner, catalog, PKI and pod-network IPAM; see planLimitEnvironment),
 * every component started the moment its same-host dependencies are healthy, with no server,
 * agent or queue in between, and probed continuously with its own probe. Corral's cluster
 * objects (the ingress controller's RBAC) are applied the moment the first apiserver is
 * healthy, as the server does. The limit is when the last component is healthy; milestones
 * (a Deployment Available, …) start at t0 beside the components and are each timed when done.
 */
export async function runPhysicalLimit(
  plan: LimitEnvironmentPlan,
  runtimes: LimitHostRuntime[],
  options: { milestones?: LimitMilestone[]; harness?: HostHarness; cpu?: CpuSampler } = {},
): Promise<PhysicalLimitResult> {
  const { milestones = [], harness } = options;
  const cpu: CpuSampler = options.cpu ?? (() => ({}));
  type Runnable = { host: LimitHostPlan; runtime: LimitHostRuntime; spec: ComponentSpec; componentDir: string };
  const runnable: Runnable[] = [];
  plan.hosts.forEach((host, i) => {
    for (const raw of host.specs) {
      const { spec, componentDir } = prepare(runtimes[i], raw);
      runnable.push({ host, runtime: runtimes[i], spec, componentDir });
    }
  });
  let failed: Error | null = null;
  const cpuBefore: Record<string, number | null> = cpu();
  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;
  const timings = new Map<Runnable, ComponentTiming>();
  const healthy = new Map<Runnable, Promise<number>>();
  let apiServerUp: () => void = () => undefined;
  const firstApiServer = new Promise<void>((r) => (apiServerUp = r));

  const launch = (r: Runnable): Promise<number> => {
    const existing = healthy.get(r);
    if (existing) return existing;
    const deps = (r.spec.dependsOn ?? []).map((dep) => runnable.find((x) => x.host === r.host && x.spec.name === dep)).filter((x): x is Runnable => Boolean(x));
    const done = Promise.all(deps.map(launch)).then(async () => {
      if (failed) throw failed;
      const startedMs = elapsed();
      const env = { PATH: `${r.runtime.binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: r.componentDir, ...(r.spec.env ?? {}) };
      r.runtime.start([join(r.runtime.binDir, r.spec.binary), ...r.spec.args], env, r.componentDir, r.spec.name);
      const deadline = Date.now() + COMPONENT_TIMEOUT_MS;
      while (!(r.spec.probe ? await probeOnce(r.spec.probe, r.runtime.exec) : true)) {
        if (failed) throw failed;
        if (Date.now() > deadline) {
          failed = new Error(`${r.spec.name} on ${r.host.hostname} did not become healthy within ${COMPONENT_TIMEOUT_MS / 1000} s (probe ${JSON.stringify(r.spec.probe)})`);
          throw failed;
        }
        await sleep(r.spec.probe?.type === 'exec' ? EXEC_PROBE_PAUSE_MS : PROBE_PAUSE_MS);
      }
      const healthyMs = elapsed();
      timings.set(r, { hostname: r.host.hostname, name: r.spec.name, kind: r.spec.kind, dependsOn: r.spec.dependsOn ?? [], startedMs, healthyMs });
      if (r.spec.kind === 'kube-apiserver') apiServerUp();
      return healthyMs;
    });
    healthy.set(r, done);
    return done;
  };
  // Corral's cluster objects through the first healthy apiserver (the ingress controller needs its RBAC)
  let objectsMs = -1;
  const objects = firstApiServer.then(async () => {
    const server = runnable.find((r) => r.spec.kind === 'kube-apiserver' && timings.has(r))!;
    const url = `https://${server.host.address}:6443`;
    const deadline = Date.now() + COMPONENT_TIMEOUT_MS;
    for (;;) {
      try {
        for (const object of clusterBootstrapObjects()) await apply(url, plan, object);
        objectsMs = elapsed();
        return;
      } catch (err) {
        if (failed) return;
        if (Date.now() > deadline) throw new Error(`applying cluster objects through ${url}: ${(err as Error).message}`);
        await sleep(100);
      }
    }
  });
  objects.catch(() => undefined); // awaited below; never an unhandled rejection if a component fails first
  const all = Promise.all(runnable.map(launch)).catch((err) => {
    failed ??= err as Error;
    throw err;
  });
  all.catch(() => undefined); // awaited below
  // the milestones run beside the components, from the same t0
  const abort = new AbortController();
  const marks: Record<string, number> = {};
  const failedMilestones: Record<string, string> = {};
  const allHealthy = all.then((times) => Math.max(...times));
  allHealthy.catch(() => undefined);
  const cluster: LimitCluster = {
    plan,
    runtimes,
    harness,
    binDir: runtimes[0]!.binDir,
    elapsed,
    healthy: (hostname, kind) => {
      const r = runnable.find((x) => x.host.hostname === hostname && x.spec.kind === kind);
      return r ? healthy.get(r) : undefined;
    },
    allHealthy,
    mark: (name) => {
      marks[name] ??= elapsed();
    },
    signal: abort.signal,
  };
  const running = Promise.all(
    milestones.map((m) =>
      m.run(cluster).then(
        () => {
          marks[m.name] = elapsed();
        },
        (err: Error) => {
          abort.abort();
          failedMilestones[m.name] = err.message;
        },
      ),
    ),
  );
  let readyAt: number[];
  try {
    readyAt = await all;
  } catch (err) {
    abort.abort();
    await running;
    throw err;
  }
  const cpuAfter = cpu();
  await objects;
  const cpuMs: Record<string, number> = {};
  for (const [k, v] of Object.entries(cpuAfter)) {
    const before = cpuBefore[k];
    if (v !== null && before !== null && before !== undefined) cpuMs[k] = v - before;
  }
  const components = runnable.map((r) => timings.get(r)!);
  const byKind = new Map<string, number>();
  for (const c of components) byKind.set(c.kind, Math.max(byKind.get(c.kind) ?? 0, c.healthyMs));
  const stages = [...byKind.entries()].sort((a, b) => a[1] - b[1]).map(([stage, ms]) => ({ stage: `${stage} healthy`, ms }));
  await running;
  return { totalMs: Math.max(...readyAt), stages, components, milestones: { 'cluster objects applied': objectsMs, ...marks }, failedMilestones, cpuMs };
}

/** Expands the contract's placeholders and writes the spec's files, as an agent does. */
function prepare(runtime: LimitHostRuntime, raw: ComponentSpec): { spec: ComponentSpec; componentDir: string } {
  const componentDir = join(runtime.stateDir, 'components', raw.name);
  const dataDir = join(runtime.stateDir, 'data', raw.name);
  mkdirSync(componentDir, { recursive: true, mode: 0o700 });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const spec = expandComponentSpec(raw, { componentDir, dataDir, address: runtime.address, hostname: runtime.hostname, binDir: runtime.binDir });
  for (const file of spec.files) {
    const path = join(componentDir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content, { mode: file.mode });
  }
  return { spec, componentDir };
}

/** server-side apply as the environment's admin, as ClusterBootstrapService does */
function apply(server: string, plan: LimitEnvironmentPlan, object: object & { kind: string }): Promise<void> {
  const body = JSON.stringify(object);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(`${objectPath(object as any)}?fieldManager=corral&force=true`, server),
      {
        method: 'PATCH',
        ca: plan.cas.clusterCa.certPem,
        cert: plan.admin.certPem,
        key: plan.admin.keyPem,
        headers: { accept: 'application/json', 'content-type': 'application/apply-patch+yaml', 'content-length': Buffer.byteLength(body) },
        timeout: 5000,
      },
      (res) => {
        res.resume();
        res.on('end', () => ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The limit on the real binaries: fresh node hosts (HostHarness, one network, mount, UTS and
 * cgroup namespace per host, as the agents get in the Corral run), the upstream binaries plus
 * Corral's own daemons (composeAgentBinDir), every component started inside its host with
 * harness.startProcess and exec probes (containerd's `ctr version`) run inside it with
 * harness.exec. Everything is torn down afterwards.
 */
export async function measureRealPhysicalLimit(options: {
  hostCount: number;
  etcdMembers: 1 | 3 | 5;
  /** upstream binaries (kubeBinDir()) */
  upstreamBinDir: string;
  milestones?: LimitMilestone[];
  /** keep the hosts' files and logs (printed) */
  keepFiles?: boolean;
}): Promise<PhysicalLimitResult> {
  const harness = await HostHarness.create({ count: options.hostCount, nodes: true, keepFiles: options.keepFiles });
  try {
    const binDir = composeAgentBinDir(join(harness.workDir, 'bin'), options.upstreamBinDir);
    const plan = await planLimitEnvironment(harness.hosts.map((h, i) => ({ hostname: `node-${i + 1}`, address: h.address })), options.etcdMembers);
    const runtimes = harness.hosts.map((host, i) => harnessRuntime(harness, host, `node-${i + 1}`, binDir));
    const cpu: CpuSampler = () => {
      const self = process.cpuUsage();
      return { 'hosts (components, exec probes)': harnessCpuMs(harness), 'bench process (probes, spawns)': (self.user + self.system) / 1000 };
    };
    return await runPhysicalLimit(plan, runtimes, { milestones: options.milestones, harness, cpu });
  } finally {
    if (options.keepFiles) process.stdout.write(`    (limit hosts' files kept in ${harness.workDir})\n`);
    await harness.destroy({ graceMs: 500 }).catch((err) => process.stderr.write(`physical limit: ${(err as Error).message}\n`));
  }
}

function harnessRuntime(harness: HostHarness, host: TestHost, hostname: string, binDir: string): LimitHostRuntime {
  return {
    hostname,
    address: host.address,
    stateDir: host.stateDir,
    binDir,
    // `env -i`: the component sees exactly the agent's environment, not ours
    start: (argv, env, cwd, name) => {
      harness.startProcess(host, ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv], { cwd, name });
    },
    exec: async (argv, timeoutMs) => (await harness.exec(host, argv, { timeoutMs })).code === 0,
  };
}

/**
 * The limit with the stand-ins (tools/kube-stand-ins) on loopback addresses 127.x.y.2-4 in the
 * machine's own namespaces: `--stand-ins` mode of the benches, and ci-clusters'.
 */
export async function measurePhysicalLimit(hostCount: number, etcdMembers: 1 | 3 | 5): Promise<PhysicalLimitResult> {
  const prefix = `127.${10 + Math.floor(Math.random() * 200)}.${1 + Math.floor(Math.random() * 250)}`;
  const root = mkdtempSync(join(tmpdir(), 'corral-limit-'));
  const started: ChildProcess[] = [];
  try {
    const binDir = STAND_IN_BIN;
    const hosts = Array.from({ length: hostCount }, (_, i) => ({ hostname: `limit-${i + 1}`, address: `${prefix}.${i + 2}` }));
    const plan = await planLimitEnvironment(hosts, etcdMembers);
    const runtimes: LimitHostRuntime[] = hosts.map((h) => ({
      ...h,
      stateDir: join(root, h.hostname),
      binDir,
      start: (argv, env, cwd, name) => {
        const log = openSync(join(root, `${h.hostname}-${name}.log`), 'a');
        try {
          // as the agent runs it: own process group, cwd and HOME in the component's directory
          started.push(spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log], cwd, env }));
        } finally {
          closeSync(log);
        }
      },
      exec: (argv, timeoutMs) =>
        new Promise((resolve) => {
          const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: timeoutMs });
          child.once('error', () => resolve(false));
          child.once('exit', (code) => resolve(code === 0));
        }),
    }));
    return await runPhysicalLimit(plan, runtimes);
  } finally {
    for (const child of started) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (!process.env.CORRAL_BENCH_KEEP) rmSync(root, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
