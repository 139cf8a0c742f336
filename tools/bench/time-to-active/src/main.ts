// Bench: time from POST /v1/environments to `active`, for 1-host and 3-host environments,
// beside the physical limit measured in the same run. Usage: node dist/tools/bench/time-to-active/src/main.js [--runs N]
import os from 'node:os';
import { startLoopbackAgents } from '@corral/test-hosts';
import { measurePhysicalLimit, median, startBenchServer, waitUntil } from '@corral/bench';


const SCENARIOS = [
  { hosts: 1, etcd: 1 as const },
  { hosts: 3, etcd: 3 as const },
];

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  process.stdout.write(`time-to-active: ${runs} run(s) per scenario on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n\n`);
  const server = await startBenchServer();
  const rows: string[] = [];
  try {
    for (const scenario of SCENARIOS) {
      const times: number[] = [];
      for (let run = 0; run < runs; run++) {
        const name = `bench-${scenario.hosts}h-${run}`;
        const t0 = performance.now();
        const created = await server.request('POST', '/v1/environments', { name, etcd: { members: scenario.etcd } });
        if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body)}`);
        const token = (await server.request('POST', `/v1/environments/${name}/registration-tokens`, { maxUses: scenario.hosts })).body.token;
        const agents = startLoopbackAgents(scenario.hosts, { server: server.url, token });
        try {
          await waitUntil(async () => (await server.request('GET', `/v1/environments/${name}`)).body.state === 'active', 180_000, `${name} active`);
          times.push(performance.now() - t0);
          await server.request('DELETE', `/v1/environments/${name}`);
          await waitUntil(async () => (await server.request('GET', `/v1/environments/${name}`)).status === 404, 60_000, `${name} deleted`);
        } finally {
          await agents.stopAll();
          agents.cleanup();
        }
        process.stdout.write(`  ${name}: ${(times[times.length - 1] / 1000).toFixed(2)} s\n`);
      }
      const limits: number[] = [];
      for (let run = 0; run < runs; run++) limits.push((await measurePhysicalLimit(scenario.hosts, scenario.etcd)).totalMs);
      const t = median(times);
      const limit = median(limits);
      rows.push(`| ${scenario.hosts} host(s), ${scenario.etcd} etcd | ${(t / 1000).toFixed(2)} s | ${(limit / 1000).toFixed(2)} s | ${(t / limit).toFixed(2)}x |`);
    }
  } finally {
    await server.stop();
  }
  process.stdout.write(`\n| environment | POST -> active (median) | physical limit (median) | ratio |\n|---|---|---|---|\n${rows.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
