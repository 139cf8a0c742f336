import { join } from 'node:path';
import { parse } from 'yaml';
import { startServerProcess, eventually } from '@corral/testing';
import { composeAgentBinDir, kubeBinDir } from '@corral/kube-build';
import { HostHarness, agentArgv } from '@corral/test-hosts';
import { impersonatedUserName, KUBE_ACCESS_GROUPS } from '@corral/domain';
import { combine, runLoad, type LoadResult, type Target } from './load';

/**
 * GET /api/v1/namespaces through the server's Kubernetes API proxy against the same request sent
 * to the kube-apiserver directly, in one run on one real environment (1 node host, upstream
 * binaries): the direct figures are the physical limit the proxy is held to. "direct" uses the
 * admin certificate (system:masters: the apiserver skips authorization); "same identity" sends the
 * very Impersonate-* headers the proxy sends, so the apiserver does the same authorization work
 * and only the proxy's hop differs. Latency is measured
 * with one client (what the proxy adds to a request: goal p99 overhead <= 2 ms), throughput with
 * enough clients to keep the 2 cores busy (goal >= 80 % of direct), as closed loops: with few
 * clients, throughput only mirrors latency.
 */
const LATENCY_CLIENTS = Number(process.env.BENCH_LATENCY_CLIENTS ?? 1);
const THROUGHPUT_CLIENTS = Number(process.env.BENCH_THROUGHPUT_CLIENTS ?? 16);
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
  const server = await startServerProcess({ CORRAL_BIND_ADDRESS: '0.0.0.0' });
  try {
    const binDir = composeAgentBinDir(join(harness.workDir, 'bin'), upstream);
    await server.request('POST', '/v1/environments', { name: 'bench', etcd: { members: 1 } });
    const token = (await server.request('POST', '/v1/environments/bench/registration-tokens', { maxUses: 1 })).body.token;
    const host = harness.hosts[0];
    harness.startProcess(host, agentArgv(host, { server: server.urlFor(harness.serverAddress), token, binDir, hostname: 'node-1' }), { name: 'agent' });
    process.stderr.write('[bench] waiting for the environment (1 host, upstream binaries) to be active\n');
    await eventually(async () => (await server.request('GET', '/v1/environments/bench')).body.state === 'active', { timeoutMs: 300_000, what: 'bench active' });
    const direct = targetFrom('direct', (await server.request('GET', '/v1/environments/bench/kubeconfig?endpoint=direct')).body);
    const proxy = targetFrom('proxy', (await server.request('GET', '/v1/environments/bench/kubeconfig')).body);
    const adminKeyName = ((await server.request('GET', '/v1/api-keys')).body.items as { name: string }[])[0].name;
    const sameIdentity: Target = { ...direct, label: 'same-id', headers: { 'impersonate-user': impersonatedUserName(adminKeyName), 'impersonate-group': KUBE_ACCESS_GROUPS.write } };
    await runLoad(direct, PATH, THROUGHPUT_CLIENTS, 2);
    await runLoad(proxy, PATH, THROUGHPUT_CLIENTS, 2);
    const measure = async (clients: number) => {
      process.stderr.write(`[bench] ${ROUNDS} rounds of ${ROUND_SECONDS} s per target with ${clients} keep-alive client(s), alternating\n`);
      const rounds: Record<string, LoadResult[]> = { direct: [], 'same-id': [], proxy: [] };
      const targets = [direct, sameIdentity, proxy];
      for (let i = 0; i < ROUNDS; i++) {
        for (const target of i % 2 === 0 ? targets : [...targets].reverse()) rounds[target.label].push(await runLoad(target, PATH, clients, ROUND_SECONDS));
      }
      return { d: combine(rounds.direct), s: combine(rounds['same-id']), p: combine(rounds.proxy) };
    };
    const latency = await measure(LATENCY_CLIENTS);
    const throughput = await measure(THROUGHPUT_CLIENTS);
    process.stdout.write(
      [
        `GET ${PATH} on 1 real kube-apiserver (v1.36.3) in a node host; ${ROUNDS} x ${ROUND_SECONDS} s per target and load, alternating`,
        `latency, ${LATENCY_CLIENTS} client:`,
        row(latency.d),
        row(latency.s),
        row(latency.p),
        `throughput, ${THROUGHPUT_CLIENTS} clients:`,
        row(throughput.d),
        row(throughput.s),
        row(throughput.p),
        `proxy vs direct: p99 overhead ${(latency.p.p99Ms - latency.d.p99Ms).toFixed(2)} ms, p50 ${(latency.p.p50Ms - latency.d.p50Ms).toFixed(2)} ms (goal p99 <= 2 ms); ` +
          `throughput ${((100 * throughput.p.rps) / throughput.d.rps).toFixed(1)} % (goal >= 80 %)`,
        `proxy vs the same identity sent directly: p99 overhead ${(latency.p.p99Ms - latency.s.p99Ms).toFixed(2)} ms, p50 ${(latency.p.p50Ms - latency.s.p50Ms).toFixed(2)} ms; ` +
          `throughput ${((100 * throughput.p.rps) / throughput.s.rps).toFixed(1)} %`,
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
