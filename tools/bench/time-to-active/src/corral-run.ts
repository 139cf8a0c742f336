import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harnessCpuMs, processCpuMs } from '@corral/bench';
import { type ServerProcess, eventually } from '@corral/testing';
import { composeAgentBinDir } from '@corral/kube-build';
import { HostHarness, type HostProcess, STAND_IN_BIN, agentArgv, startLoopbackAgents } from '@corral/test-hosts';
import { corralTimeline, type ComponentSpan, type EventView } from './timeline';

export interface Scenario {
  hosts: number;
  etcd: 1 | 3 | 5;
}

/**
 * What a milestone (e.g. a 3-replica Deployment Available) gets: it starts right after the
 * POST (and the agents' start), beside the environment's start-up, so it can act as soon as
 * Corral lets it (a kubeconfig from the API, an object the apiserver accepts).
 */
export interface CorralRunContext {
  server: ServerProcess;
  environment: string;
  /** the node hosts the agents run on (real mode only) */
  harness?: HostHarness;
  binDir: string;
  /** ms since the POST */
  elapsed(): number;
  /** records an intermediate step, ms after the POST, in the result's milestones */
  mark(name: string): void;
  /** aborted when the environment did not become active or another milestone failed */
  signal: AbortSignal;
}

/** A step measured in the same run, from the same POST; its time is when run() resolves. */
export interface CorralMilestone {
  name: string;
  run(ctx: CorralRunContext): Promise<void>;
}

export interface CorralRunResult {
  /** POST /v1/environments until GET says active */
  activeMs: number;
  /** further milestones and the steps they marked, ms after the POST */
  milestones: Record<string, number>;
  /** milestones that failed (absent from `milestones`), with why; the run itself counts */
  failedMilestones: Record<string, string>;
  components: ComponentSpan[];
  /** first (and "(last)") time of each non-component event reason, ms after the POST */
  events: Map<string, number>;
  /** CPU time (ms) used from the POST until active, by whom */
  cpuMs: Record<string, number>;
  /** after the run: whether the environment was gone within DELETE_WAIT_MS of its DELETE */
  deletion(): boolean | null;
}

export interface CorralRunOptions {
  /** upstream binaries (real mode); absent: stand-ins on loopback agents */
  upstreamBinDir?: string;
  milestones?: CorralMilestone[];
  keepFiles?: boolean;
}

const ACTIVE_TIMEOUT_MS = 300_000;
const DELETE_WAIT_MS = 10_000;

/**
 * One environment from POST to active: agents on fresh hosts started right after the POST (so
 * registration counts), the environment's events read back for the per-component timeline, then
 * the environment deleted and the hosts torn down.
 * Real mode: node hosts (HostHarness nodes: true), the real binaries (composeAgentBinDir), the
 * server reached on the harness bridge. Stand-in mode: loopback agents with the stand-ins.
 */
export async function corralRun(server: ServerProcess, scenario: Scenario, label: string, options: CorralRunOptions): Promise<CorralRunResult> {
  const name = `${label}-${randomBytes(3).toString('hex')}`;
  const real = options.upstreamBinDir !== undefined;
  const harness = real ? await HostHarness.create({ count: scenario.hosts, nodes: true, keepFiles: options.keepFiles }) : undefined;
  const binDir = harness ? composeAgentBinDir(join(harness.workDir, 'bin'), options.upstreamBinDir!) : STAND_IN_BIN;
  let loopback: ReturnType<typeof startLoopbackAgents> | undefined;
  let created = false;
  let deletionConfirmed: boolean | null = null;
  const agents: HostProcess[] = [];
  try {
    const serverCpu0 = processCpuMs(server.process.pid!);
    const hostsCpu0 = harness ? harnessCpuMs(harness) : null;
    const postWall = Date.now();
    const t0 = performance.now();
    const elapsed = () => performance.now() - t0;
    const res = await server.request('POST', '/v1/environments', { name, etcd: { members: scenario.etcd } });
    if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    created = true;
    const token = (await server.request('POST', `/v1/environments/${name}/registration-tokens`, { maxUses: scenario.hosts })).body.token;
    if (harness) {
      const url = server.urlFor(harness.serverAddress);
      harness.hosts.forEach((host, i) => agents.push(harness.startProcess(host, agentArgv(host, { server: url, token, binDir, hostname: `node-${i + 1}` }), { name: 'agent' })));
    } else {
      loopback = startLoopbackAgents(scenario.hosts, { server: server.url, token });
    }
    const abort = new AbortController();
    const milestones: Record<string, number> = {};
    const failedMilestones: Record<string, string> = {};
    const context: CorralRunContext = {
      server,
      environment: name,
      harness,
      binDir,
      elapsed,
      mark: (step) => {
        milestones[step] ??= elapsed();
      },
      signal: abort.signal,
    };
    const running = Promise.all(
      (options.milestones ?? []).map((m) =>
        m.run(context).then(
          () => {
            milestones[m.name] = elapsed();
          },
          (err: Error) => {
            abort.abort();
            failedMilestones[m.name] = err.message;
          },
        ),
      ),
    );
    try {
      await eventually(async () => (await server.request('GET', `/v1/environments/${name}`)).body.state === 'active', { timeoutMs: ACTIVE_TIMEOUT_MS, what: `${name} active` });
    } catch (err) {
      abort.abort();
      await running;
      throw new Error(`${(err as Error).message}: ${await diagnose(server, name)}${harness ? ` (agent logs: ${harness.workDir}/h*/logs; --keep keeps them)` : ''}`);
    }
    const activeMs = elapsed();
    const cpuMs = cpuUntilActive(server, serverCpu0, agents, harness, hostsCpu0);
    await running;
    const hosts = (await server.request('GET', `/v1/hosts?environment=${name}`)).body.items as { id: string; hostname: string }[];
    const events = await readEvents(server, name);
    if (harness && options.keepFiles) writeFileSync(join(harness.workDir, 'events.json'), JSON.stringify({ postedAt: new Date(postWall).toISOString(), hosts, events }, null, 2));
    const timeline = corralTimeline(events, new Map(hosts.map((h) => [h.id, h.hostname])), postWall);
    return { activeMs, milestones, failedMilestones, components: timeline.components, events: timeline.milestones, cpuMs, deletion: () => deletionConfirmed };
  } finally {
    if (created) {
      // the agents stop their components; not timed
      await server.request('DELETE', `/v1/environments/${name}`).catch(() => undefined);
      // Not waited for to the end: on node hosts the agent cannot wipe the kubelet's data dir
      // (EBUSY), so the server waits its 120 s for a confirmation that never comes; once the
      // hosts are gone it finishes the deletion on its own (hosts disconnected after 15 s).
      deletionConfirmed = await eventually(async () => (await server.request('GET', `/v1/environments/${name}`)).status === 404, { timeoutMs: DELETE_WAIT_MS, what: `${name} deleted`, intervalMs: 250 }).then(
        () => true,
        () => false,
      );
    }
    if (loopback) {
      await loopback.stopAll();
      loopback.cleanup();
    }
    if (harness) {
      if (options.keepFiles) process.stdout.write(`    (Corral hosts' files, agent logs and events.json kept in ${harness.workDir})\n`);
      await harness.destroy({ graceMs: 2000 }).catch((err) => process.stderr.write(`  warning: ${(err as Error).message}\n`));
    }
  }
}

/**
 * The server's own CPU (not PostgreSQL's or Redis's), the agents' own (node), and everything
 * else in the hosts' cgroups: the components and the agents' exec probes.
 */
function cpuUntilActive(server: ServerProcess, serverBefore: ReturnType<typeof processCpuMs>, agents: HostProcess[], harness: HostHarness | undefined, hostsBefore: number | null): Record<string, number> {
  const out: Record<string, number> = {};
  const serverNow = processCpuMs(server.process.pid!);
  if (serverNow && serverBefore) out['server'] = serverNow.self - serverBefore.self;
  const agentSelf = agents.map((a) => processCpuMs(a.pid)?.self ?? 0).reduce((a, b) => a + b, 0);
  if (agents.length) out['agents (node)'] = agentSelf;
  const hostsNow = harness ? harnessCpuMs(harness) : null;
  if (hostsNow !== null && hostsBefore !== null) out['hosts (components, exec probes)'] = hostsNow - hostsBefore - agentSelf;
  return out;
}

async function readEvents(server: ServerProcess, name: string): Promise<EventView[]> {
  const all: EventView[] = [];
  let after = '0';
  for (;;) {
    const page = (await server.request('GET', `/v1/environments/${name}/events?after=${after}&limit=1000`)).body.items as EventView[];
    all.push(...page);
    if (page.length < 1000) return all;
    after = page[page.length - 1]!.id;
  }
}

async function diagnose(server: ServerProcess, name: string): Promise<string> {
  const view = (await server.request('GET', `/v1/environments/${name}`)).body;
  return `state ${view.state}; ${JSON.stringify((view.conditions ?? []).filter((c: { status: string }) => c.status !== 'True'))}`;
}
