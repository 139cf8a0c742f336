// Bench: time from a fault to `active` again, beside the physical limit measured in the same run.
//  - crash: kill -9 of each component kind on a one-host environment (loopback agent); limit:
//    the component's own start time (restarted by hand, no agent or server);
//  - lost host (needs root: network namespaces): cut the link of a host with an etcd member in a
//    4-host / 3-etcd environment; limit: the configured lost timeout plus the start time of the
//    replacement (etcd joining, then its control plane) measured by hand;
//  - lost pool host (loopback agents, no root): the agent of an etcd host of a 3-host pool
//    environment dies; a spare idle pool host is claimed and takes its place; same limit.
// Usage: node dist/tools/bench/recovery/src/main.js [--runs N] [--skip-crash] [--skip-lost-host] [--skip-pool]
import os from 'node:os';
import { COMPONENT_KINDS } from '@corral/contracts';
import { HostHarness, STAND_IN_BIN, agentArgv, startLoopbackAgents } from '@corral/test-hosts';
import { median } from '@corral/bench';
import { ServerProcess, startServerProcess, eventually } from '@corral/testing';
import { measureStartTimes } from './component-start-time';

/** The catalog's probe interval (ProbeSpec.intervalSeconds): the goal allows one of these. */
const PROBE_INTERVAL_MS = 2000;
const LOST_AFTER = '8s';
const LOST_AFTER_MS = 8000;

/** The agent resets a component's restart backoff after a stable run of 30 s: kill each kind at most this often, so every kill meets the first (1 s) backoff step. */
const SAME_KIND_GAP_MS = 33_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** fault-to-active times are read at this resolution */
const POLL_MS = 50;
const waitFor = (check: () => Promise<unknown>, timeoutMs: number, what: string) => eventually(check, { timeoutMs: timeoutMs, what: what, intervalMs: POLL_MS });

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  process.stdout.write(`recovery: ${runs} run(s) per fault on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}\n\n`);

  const crash = process.argv.includes('--skip-crash') ? null : await crashRecovery(runs);
  process.stdout.write('measuring each component\'s own start time by hand...\n');
  const limits = await measureStartTimes(runs);
  if (crash) {
    const rows = COMPONENT_KINDS.map((kind) => {
      const t = median(crash.get(kind)!);
      const start = median(limits.get(kind)!);
      const goal = 1.5 * (start + PROBE_INTERVAL_MS);
      return `| ${kind} | ${seconds(t)} | ${seconds(start)} | ${(t / start).toFixed(1)}x | ${seconds(goal)} | ${t <= goal ? 'met' : 'MISSED'} |`;
    });
    process.stdout.write(
      `\n| crashed component (kill -9) | fault -> active (median) | own start time (median) | ratio | goal 1.5 x (start + ${PROBE_INTERVAL_MS / 1000} s probe) | |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
    );
  }

  const replacement = ['etcd', 'kube-apiserver', 'kube-scheduler'].reduce((sum, kind) => sum + median(limits.get(kind)!), 0);
  const limit = LOST_AFTER_MS + replacement;
  const lostRows: string[] = [];
  const row = (fault: string, times: number[]) => {
    const t = median(times);
    lostRows.push(`| ${fault} | ${seconds(t)} | ${seconds(LOST_AFTER_MS)} + ${seconds(replacement)} = ${seconds(limit)} | ${(t / limit).toFixed(2)}x |`);
  };
  if (!process.argv.includes('--skip-lost-host')) {
    if (process.getuid?.() === 0) row('link of an etcd host cut (4 hosts, 3 etcd)', await lostHostRecovery(runs));
    else process.stdout.write('\nlost host: skipped (network namespaces need root)\n');
  }
  if (!process.argv.includes('--skip-pool')) row('agent of an etcd host of a pool environment gone (3 of a pool of 4, 3 etcd): spare claimed', await poolHostRecovery(runs));
  if (lostRows.length) {
    process.stdout.write(`\n| fault | fault -> active (median) | limit: lost timeout + replacement start (etcd, apiserver, scheduler) | ratio |\n|---|---|---|---|\n${lostRows.join('\n')}\n`);
  }
}

/**
 * A pool environment of 3 (3 etcd members) out of a pool of 4 loopback hosts: the agent of an
 * etcd host is SIGKILLed (its components keep running, as on a machine cut off), the spare is
 * claimed in its place; then the agent comes back, the surplus goes back to the pool, and the
 * next run takes another victim.
 */
async function poolHostRecovery(runs: number): Promise<number[]> {
  const server = await startServerProcess({ CORRAL_HOST_DISCONNECTED_AFTER: '3s', CORRAL_HOST_LOST_AFTER: LOST_AFTER, CORRAL_SWEEP_INTERVAL: '500ms' });
  let agents: ReturnType<typeof startLoopbackAgents> | null = null;
  const times: number[] = [];
  try {
    const token = (await server.request('POST', '/v1/pools/bench/registration-tokens', { maxUses: 4 })).body.token;
    agents = startLoopbackAgents(4, { server: server.url, token, extraArgs: ['--heartbeat-interval', '1s'] });
    const idle = async () => (await server.request('GET', '/v1/pools/bench')).body.hosts?.idle;
    await waitFor(async () => (await idle()) === 4, 60_000, '4 idle pool hosts');
    await server.request('POST', '/v1/environments', { name: 'pooled', hosts: { pool: 'bench', count: 3 }, etcd: { members: 3 } });
    await waitFor(async () => (await state(server, 'pooled')) === 'active', 180_000, 'pooled active');
    for (let run = 0; run < runs; run++) {
      const hosts = (await server.request('GET', '/v1/hosts?environment=pooled')).body.items as { id: string; hostname: string }[];
      const victim = hosts[run % hosts.length]; // every host runs an etcd member
      const index = agents.agents.findIndex((a) => a.name === victim.hostname);
      const t0 = performance.now();
      agents.agents[index].process.kill('SIGKILL');
      await waitFor(async () => (await state(server, 'pooled')) !== 'active', 30_000, 'degraded');
      await waitFor(async () => (await state(server, 'pooled')) === 'active', 180_000, 'active again on the spare');
      const ms = performance.now() - t0;
      times.push(ms);
      process.stdout.write(`  pool host's agent gone: active again on the spare after ${seconds(ms)}\n`);
      agents.restart(index);
      await waitFor(async () => (await idle()) === 1 && (await state(server, 'pooled')) === 'active', 120_000, 'the returned host back in the pool');
    }
    return times;
  } finally {
    await agents?.stopAll();
    agents?.cleanup();
    await server.stop();
  }
}

/** kill -9 of every component kind, `runs` times, on a one-host environment. */
async function crashRecovery(runs: number): Promise<Map<string, number[]>> {
  const server = await startServerProcess();
  const times = new Map<string, number[]>();
  let agents: ReturnType<typeof startLoopbackAgents> | null = null;
  try {
    await server.request('POST', '/v1/environments', { name: 'crash', etcd: { members: 1 } });
    const token = (await server.request('POST', '/v1/environments/crash/registration-tokens', { maxUses: 1 })).body.token;
    agents = startLoopbackAgents(1, { server: server.url, token });
    await waitFor(async () => (await state(server, 'crash')) === 'active', 120_000, 'crash active');
    const hostId = (await server.request('GET', '/v1/hosts?environment=crash')).body.items[0].id as string;
    const lastKill = new Map<string, number>();
    for (let run = 0; run < runs; run++) {
      for (const kind of COMPONENT_KINDS) {
        const component = async () => ((await server.request('GET', `/v1/hosts/${hostId}`)).body.components as any[]).find((c) => c.kind === kind);
        await waitFor(async () => (await state(server, 'crash')) === 'active' && (await component())?.observed?.healthy, 60_000, 'settled');
        const wait = (lastKill.get(kind) ?? -Infinity) + SAME_KIND_GAP_MS - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await waitFor(async () => (await state(server, 'crash')) === 'active' && (await component())?.observed?.healthy, 60_000, 'settled');
        const before = await component();
        const t0 = performance.now();
        lastKill.set(kind, t0);
        process.kill(before.observed.pid, 'SIGKILL');
        await waitFor(async () => {
          const now = await component();
          return now.observed?.pid !== before.observed.pid && now.observed?.healthy && (await state(server, 'crash')) === 'active';
        }, 60_000, `${kind} recovered`);
        const ms = performance.now() - t0;
        times.set(kind, [...(times.get(kind) ?? []), ms]);
        process.stdout.write(`  kill -9 ${kind}: active again after ${seconds(ms)}\n`);
      }
    }
    return times;
  } finally {
    await agents?.stopAll();
    agents?.cleanup();
    await server.stop();
  }
}

/** Cuts the link of a host with an etcd member; waits for active; restores it and lets it settle. */
async function lostHostRecovery(runs: number): Promise<number[]> {
  const harness = await HostHarness.create({ count: 4 });
  const server = await startServerProcess({ CORRAL_BIND_ADDRESS: '0.0.0.0', CORRAL_HOST_DISCONNECTED_AFTER: '3s', CORRAL_HOST_LOST_AFTER: LOST_AFTER, CORRAL_SWEEP_INTERVAL: '500ms' });
  const times: number[] = [];
  try {
    await server.request('POST', '/v1/environments', { name: 'lost', etcd: { members: 3 } });
    const token = (await server.request('POST', '/v1/environments/lost/registration-tokens', { maxUses: 4 })).body.token;
    const serverUrl = server.urlFor(harness.serverAddress);
    for (const host of harness.hosts) harness.startProcess(host, agentArgv(host, { server: serverUrl, token, binDir: STAND_IN_BIN, extraArgs: ['--heartbeat-interval', '1s'] }), { name: 'agent' });
    await waitFor(async () => (await state(server, 'lost')) === 'active', 180_000, 'lost active');
    for (let run = 0; run < runs; run++) {
      const hosts = (await server.request('GET', '/v1/hosts?environment=lost')).body.items as { id: string; hostname: string }[];
      let victim = -1;
      for (const h of hosts) {
        const kinds = ((await server.request('GET', `/v1/hosts/${h.id}`)).body.components as any[]).filter((c) => c.desired).map((c) => c.kind);
        if (kinds.includes('etcd')) victim = harness.hosts.findIndex((t) => t.namespace === h.hostname);
      }
      const t0 = performance.now();
      await harness.cutLink(victim);
      // the environment notices (degraded), then must be active again without the host
      await waitFor(async () => (await state(server, 'lost')) !== 'active', 30_000, 'degraded');
      await waitFor(async () => (await state(server, 'lost')) === 'active', 180_000, 'active again');
      const ms = performance.now() - t0;
      times.push(ms);
      process.stdout.write(`  link cut: active again after ${seconds(ms)}\n`);
      await harness.restoreLink(victim);
      const victimId = hosts.find((h) => h.hostname === harness.hosts[victim].namespace)!.id;
      await waitFor(async () => (await server.request('GET', `/v1/hosts/${victimId}`)).body.state === 'active' && (await state(server, 'lost')) === 'active', 120_000, 'host back');
      await new Promise((r) => setTimeout(r, 3000));
      await waitFor(async () => (await state(server, 'lost')) === 'active', 120_000, 'settled');
    }
    return times;
  } finally {
    await harness.destroy().catch(() => undefined);
    await server.stop();
  }
}

async function state(server: ServerProcess, env: string): Promise<string> {
  return (await server.request('GET', `/v1/environments/${env}`)).body.state;
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
