// Bench: cluster DNS queries per second per core on one host, with dnsperf (Debian), against the
// host's CoreDNS as Corral runs it (the cluster-dns component of a one-host environment on a real
// node host) and against a dnsmasq serving the same names from a hosts file, run beside it in the
// same host. Each server is pinned to CPU 0 and dnsperf to CPU 1 (taskset), in alternating
// rounds; the CPU time each server used during its run is read from /proc, so a shared machine's
// other load shows as a lower pinned qps but not in the queries per CPU-second.
// Usage (root): node dist/tools/bench/dns/src/main.js [--rounds N] [--seconds S] [--names N] [--outstanding Q]
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { composeAgentBinDir, kubeBinDir } from '@corral/kube-build';
import { HostHarness, type HostProcess, agentArgv } from '@corral/test-hosts';
import { processCpuMs } from '@corral/bench';
import { startServerProcess, eventually } from '@corral/testing';
import { CLUSTER_DNS_LINK_LOCAL } from '@corral/kube';

const execFileAsync = promisify(execFile);

/** the figure issue 13 compares with: CoreDNS' published throughput, about 17k queries/s per core */
const PUBLISHED_QPS_PER_CORE = 17_000;
const DNSMASQ_PORT = 5300;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

interface Run {
  qps: number;
  /** queries answered per CPU-second the server used */
  perCpuSecond: number;
  lost: number;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the DNS bench runs a real node host (network, mount and cgroup namespaces): run it as root');
  const rounds = arg('rounds', 3);
  const seconds = arg('seconds', 10);
  const names = arg('names', 100);
  // dnsperf's queries in flight; many more than this overflow the servers' UDP socket buffers and count as lost
  const outstanding = arg('outstanding', 100);
  process.stdout.write(`dns: ${rounds} round(s) of ${seconds} s per server, ${names} Service names, ${outstanding} queries in flight, on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0].toFixed(1)}\n`);
  if (os.cpus().length < 2) throw new Error('needs 2 CPUs: one for the server, one for dnsperf');

  const upstream = kubeBinDir();
  const harness = await HostHarness.create({ count: 1, nodes: true });
  const server = await startServerProcess({ CORRAL_BIND_ADDRESS: '0.0.0.0' });
  const processes: HostProcess[] = [];
  try {
    const binDir = composeAgentBinDir(join(harness.workDir, 'bin'), upstream);
    const env = 'dns-bench';
    await server.request('POST', '/v1/environments', { name: env, etcd: { members: 1 } });
    const token = (await server.request('POST', `/v1/environments/${env}/registration-tokens`, { maxUses: 1 })).body.token;
    const host = harness.hosts[0]!;
    processes.push(harness.startProcess(host, agentArgv(host, { server: server.urlFor(harness.serverAddress), token, binDir, hostname: 'node-1' }), { name: 'agent' }));
    process.stdout.write('waiting for the one-host environment to be active...\n');
    await eventually(async () => (await server.request('GET', `/v1/environments/${env}`)).body.state === 'active', { timeoutMs: 300_000, what: `${env} active`, intervalMs: 500 });
    const kubeconfig = join(harness.workDir, 'kubeconfig');
    writeFileSync(kubeconfig, (await server.request('GET', `/v1/environments/${env}/kubeconfig`)).body as string, { mode: 0o600 });
    const kubectl = async (...args: string[]) => (await execFileAsync(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;

    // the names: N ClusterIP Services (no pods needed for their A records)
    const manifest = Array.from({ length: names }, (_, i) => `apiVersion: v1\nkind: Service\nmetadata: { name: svc-${i} }\nspec: { ports: [{ port: 80 }] }\n`).join('---\n');
    writeFileSync(join(harness.workDir, 'services.yaml'), manifest);
    await kubectl('apply', '-f', join(harness.workDir, 'services.yaml'));
    const ips = (await kubectl('get', 'svc', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.clusterIP}{"\\n"}{end}'))
      .trim().split('\n').map((l) => l.split(' ')).filter(([n]) => n!.startsWith('svc-'));
    const fqdn = (n: string) => `${n}.default.svc.cluster.local`;
    writeFileSync(join(harness.workDir, 'hosts'), ips.map(([n, ip]) => `${ip} ${fqdn(n!)}\n`).join(''));
    writeFileSync(join(harness.workDir, 'queries'), ips.map(([n]) => `${fqdn(n!)} A\n`).join(''));
    const last = ips[ips.length - 1]!;
    await eventually(async () => (await harness.exec(0, ['dig', '+short', `@${CLUSTER_DNS_LINK_LOCAL}`, fqdn(last[0]!)])).stdout.trim() === last[1], { timeoutMs: 60_000, what: 'CoreDNS answers every Service', intervalMs: 500 });

    processes.push(harness.startProcess(host, [
      'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', `--addn-hosts=${join(harness.workDir, 'hosts')}`, '--bind-interfaces',
      `--listen-address=${host.address}`, `--port=${DNSMASQ_PORT}`, '--pid-file=', '--user=root', '--cache-size=10000', '--log-facility=-', '--quiet-dhcp',
    ], { name: 'dnsmasq' }));
    await eventually(async () => (await harness.exec(0, ['dig', '+short', '-p', String(DNSMASQ_PORT), `@${host.address}`, fqdn(last[0]!)])).stdout.trim() === last[1], { timeoutMs: 30_000, what: 'dnsmasq answers', intervalMs: 200 });
    const dnsmasqPid = processes[1]!.pid;

    const corednsPid = async () => {
      const hostId = (await server.request('GET', `/v1/hosts?environment=${env}`)).body.items[0].id;
      return (await server.request('GET', `/v1/hosts/${hostId}`)).body.components.find((c: { kind: string }) => c.kind === 'cluster-dns').observed.pid as number;
    };
    const runOne = async (pid: number, target: string[]): Promise<Run> => {
      await execFileAsync('taskset', ['-a', '-pc', '0', String(pid)]);
      const cpu0 = processCpuMs(pid)!.self;
      const r = await harness.exec(0, ['taskset', '-c', '1', 'dnsperf', ...target, '-d', join(harness.workDir, 'queries'), '-l', String(seconds), '-c', '16', '-q', String(outstanding), '-t', '2'], { timeoutMs: (seconds + 30) * 1000 });
      const cpuSeconds = (processCpuMs(pid)!.self - cpu0) / 1000;
      const qps = Number(/Queries per second:\s+([0-9.]+)/.exec(r.stdout)?.[1]);
      const completed = Number(/Queries completed:\s+(\d+)/.exec(r.stdout)?.[1]);
      const lost = Number(/Queries lost:\s+(\d+)/.exec(r.stdout)?.[1]);
      if (!Number.isFinite(qps) || !Number.isFinite(completed)) throw new Error(`dnsperf: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      return { qps, perCpuSecond: completed / cpuSeconds, lost };
    };
    const coredns: Run[] = [];
    const dnsmasq: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['coredns', 'dnsmasq'] : ['dnsmasq', 'coredns'];
      for (const which of order) {
        const run = which === 'coredns' ? await runOne(await corednsPid(), ['-s', CLUSTER_DNS_LINK_LOCAL]) : await runOne(dnsmasqPid, ['-s', host.address, '-p', String(DNSMASQ_PORT)]);
        (which === 'coredns' ? coredns : dnsmasq).push(run);
        process.stdout.write(`round ${round + 1} ${which}: ${run.qps.toFixed(0)} qps pinned to one CPU, ${run.perCpuSecond.toFixed(0)} queries per CPU-second, ${run.lost} lost\n`);
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const row = (name: string, runs: Run[]) => {
      const qps = med(runs.map((r) => r.qps));
      const perCpu = med(runs.map((r) => r.perCpuSecond));
      return `| ${name} | ${qps.toFixed(0)} | ${perCpu.toFixed(0)} | ${(perCpu / PUBLISHED_QPS_PER_CORE).toFixed(2)}x | ${runs.reduce((s, r) => s + r.lost, 0)} |`;
    };
    const ratio = med(coredns.map((r) => r.perCpuSecond)) / med(dnsmasq.map((r) => r.perCpuSecond));
    process.stdout.write(
      `\n| server (${names} cluster names, A queries) | qps, pinned to 1 CPU (median) | queries per CPU-second (median) | vs ${PUBLISHED_QPS_PER_CORE} published | lost |\n|---|---|---|---|---|\n` +
        `${row('CoreDNS 1.15.0 (Corral cluster-dns, kubernetes plugin)', coredns)}\n${row('dnsmasq (Debian, same names from a hosts file)', dnsmasq)}\n\n` +
        `CoreDNS / dnsmasq per CPU-second: ${ratio.toFixed(2)}x\n`,
    );
    await server.request('DELETE', `/v1/environments/${env}`);
    await eventually(async () => (await server.request('GET', `/v1/environments/${env}`)).status === 404, { timeoutMs: 120_000, what: 'environment deleted', intervalMs: 1000 }).catch(() => undefined);
  } finally {
    await harness.destroy().catch(() => undefined);
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`dns bench: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
