import { join } from 'node:path';
import { parse } from 'yaml';
import { startBenchServer, waitUntil } from '@corral/bench';
import { composeAgentBinDir, kubeBinDir } from '@corral/kube-build';
import { HostHarness, agentArgv } from '@corral/test-hosts';
import { combine, runLoad, type LoadResult, type Target } from './load';

/**
 * GET /api/v1/namespaces through the server's Kubernetes API proxy against the same request sent
 * to the kube-apiserver directly, in one run on one real environment (1 node host, upstream
 * binaries): the direct figures are the physical limit the proxy is held to (goal: p99 overhead
 * <= 2 ms, throughput >= 80 % of direct).
 */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PATH = '/api/v1/namespaces';

function targetFrom(label: string, yaml: string): Target {
  const config = parse(yaml);
  const cluster = config.clusters[0].cluster;
  const user = config.users[0].user;
  const decode = (b64?: string) => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined);
  return { label, url: cluster.server, ca: decode(cluster['certificate-authority-data'])!, cert: decode(user['client-certificate-data']), key: decode(user['client-key-data']), token: user.token };
}

const row = (r: LoadResult) =>
  `${r.label.padEnd(8)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50Ms.toFixed(2).padStart(6)} ms   p99 ${r.p99Ms.toFixed(2).padStart(6)} ms   (${r.requests} requests, ${r.errors} errors, ${r.seconds.toFixed(1)} s)`;

async function main(): Promise<void> {
  const upstream = kubeBinDir();
  const harness = await HostHarness.create({ count: 1, nodes: true });
  const server = await startBenchServer({ CORRAL_BIND_ADDRESS: '0.0.0.0' });
  try {
    const binDir = composeAgentBinDir(join(harness.workDir, 'bin'), upstream);
    await server.request('POST', '/v1/environments', { name: 'bench', etcd: { members: 1 } });
    const token = (await server.request('POST', '/v1/environments/bench/registration-tokens', { maxUses: 1 })).body.token;
    const host = harness.hosts[0];
    harness.startProcess(host, agentArgv(host, { server: server.urlFor(harness.serverAddress), token, binDir, hostname: 'node-1' }), { name: 'agent' });
    process.stderr.write('[bench] waiting for the environment (1 host, upstream binaries) to be active\n');
    await waitUntil(async () => (await server.request('GET', '/v1/environments/bench')).body.state === 'active', 300_000, 'bench active');
    const direct = targetFrom('direct', (await server.request('GET', '/v1/environments/bench/kubeconfig?endpoint=direct')).body);
    const proxy = targetFrom('proxy', (await server.request('GET', '/v1/environments/bench/kubeconfig')).body);
    process.stderr.write(`[bench] warming up, then ${ROUNDS} rounds of ${ROUND_SECONDS} s per target, ${CONCURRENCY} concurrent clients, alternating\n`);
    await runLoad(direct, PATH, CONCURRENCY, 2);
    await runLoad(proxy, PATH, CONCURRENCY, 2);
    const rounds: Record<string, LoadResult[]> = { direct: [], proxy: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const target of i % 2 === 0 ? [direct, proxy] : [proxy, direct]) rounds[target.label].push(await runLoad(target, PATH, CONCURRENCY, ROUND_SECONDS));
    }
    const d = combine(rounds.direct);
    const p = combine(rounds.proxy);
    process.stdout.write(
      [
        `GET ${PATH}, ${CONCURRENCY} keep-alive clients, ${ROUNDS} x ${ROUND_SECONDS} s each, on 1 real kube-apiserver (v1.36.3) in a node host`,
        row(d),
        row(p),
        `proxy/direct: throughput ${((100 * p.rps) / d.rps).toFixed(1)} % (goal >= 80 %), p99 overhead ${(p.p99Ms - d.p99Ms).toFixed(2)} ms (goal <= 2 ms), p50 overhead ${(p.p50Ms - d.p50Ms).toFixed(2)} ms`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.request('DELETE', '/v1/environments/bench').catch(() => undefined);
    await harness.destroy().catch(() => undefined);
    await server.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
