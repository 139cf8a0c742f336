// Bench: what a CI pipeline waits for. Time from starting `corral env create --wait` to its exit,
// for 1 and for 10 concurrent environments from a host pool (median, p95, environments per
// minute), beside the single-environment physical limit measured in the same run.
// Usage: node dist/tools/bench/ci-clusters/src/main.js [--runs N] [--rounds N] [--concurrency N]
import { spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { measurePhysicalLimit, median, percentile } from '@corral/bench';
import { startServerProcess, eventually } from '@corral/testing';
import { REPO, startLoopbackAgents } from '@corral/test-hosts';


interface CliRun {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const runs = arg('--runs', 5);
  const rounds = arg('--rounds', 3);
  const concurrency = arg('--concurrency', 10);
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stdout.write(`ci-clusters: ${runs} single run(s), ${rounds} round(s) of ${concurrency} concurrent, on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${load()}\n\n`);
  const server = await startServerProcess();
  const token = (await server.request('POST', '/v1/pools/bench/registration-tokens', {})).body.token;
  const agents = startLoopbackAgents(concurrency, { server: server.url, token });
  const corral = (args: string[]): Promise<CliRun> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const child = spawn(join(REPO, 'bin/corral'), args, { env: { ...process.env, CORRAL_URL: server.url, CORRAL_TOKEN: server.adminKey }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, ms: performance.now() - t0, stdout, stderr }));
    });
  const idle = () => eventually(async () => (await server.request('GET', '/v1/pools/bench')).body?.hosts?.idle === concurrency, { timeoutMs: 60_000, what: 'pool hosts idle' });
  const create = async (name: string) => {
    const run = await corral(['env', 'create', name, '--pool', 'bench', '--ttl', '30m', '--wait', '--timeout', '5m', '-o', 'json']);
    if (run.code !== 0) throw new Error(`${name}: exit ${run.code}\n${run.stderr.split('\n').slice(-15).join('\n')}`);
    return run.ms;
  };
  const remove = (name: string) => corral(['env', 'delete', name, '--wait', '--timeout', '2m', '-o', 'json']);

  try {
    await idle();
    // the limit is measured between the runs, so both see the same machine (it is shared)
    const single: number[] = [];
    const limits: Awaited<ReturnType<typeof measurePhysicalLimit>>[] = [];
    for (let run = 0; run < runs; run++) {
      single.push(await create(`one-${run}`));
      await remove(`one-${run}`);
      await idle();
      limits.push(await measurePhysicalLimit(1, 1));
      process.stdout.write(`  1 environment, run ${run + 1}: ${(single[run] / 1000).toFixed(2)} s (physical limit ${(limits[run].totalMs / 1000).toFixed(2)} s)\n`);
    }
    const concurrent: number[] = [];
    const perMinute: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const names = Array.from({ length: concurrency }, (_, i) => `many-${round}-${i}`);
      const t0 = performance.now();
      const times = await Promise.all(names.map(create));
      const wall = performance.now() - t0;
      concurrent.push(...times);
      perMinute.push((concurrency / wall) * 60_000);
      await Promise.all(names.map(remove));
      await idle();
      process.stdout.write(`  ${concurrency} concurrent, round ${round + 1}: all active after ${(wall / 1000).toFixed(2)} s (median ${(median(times) / 1000).toFixed(2)} s)\n`);
    }
    const limit = median(limits.map((l) => l.totalMs));
    const stages = new Map<string, number[]>();
    for (const l of limits) for (const s of l.stages) stages.set(s.stage, [...(stages.get(s.stage) ?? []), s.ms]);

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    process.stdout.write(`\n| scenario | create --wait to exit, median | p95 | environments per minute | physical limit (1 env, median) |\n|---|---|---|---|---|\n`);
    process.stdout.write(`| 1 environment (${single.length} runs, sequential) | ${s(median(single))} | ${s(percentile(single, 95))} | ${(60_000 / median(single)).toFixed(1)} | ${s(limit)} |\n`);
    process.stdout.write(`| ${concurrency} concurrent (${concurrent.length} envs in ${rounds} rounds) | ${s(median(concurrent))} | ${s(percentile(concurrent, 95))} | ${median(perMinute).toFixed(1)} | ${s(limit)} |\n`);
    process.stdout.write(`\nload average at the end: ${load()}\nphysical limit along the critical path (1 host, medians of ${runs}): ${[...stages.entries()].map(([stage, ms]) => `${stage} ${s(median(ms))}`).join(', ')}\n`);
  } finally {
    await agents.stopAll();
    agents.cleanup();
    await server.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
