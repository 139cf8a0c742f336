import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
// the stand-in control plane (etcd + kube-apiserver stand-in with a test PKI) the ingress
// controller's own tests use; the bench measures HAProxy and the controller, not an apiserver
import { startControlPlane } from '@corral/testing';

/**
 * Issue 13's ingress benches, in one run: requests/s through one HAProxy instance as Corral's
 * ingress controller runs it (Debian's HAProxy, master-worker, the controller's configuration)
 * against the same busybox httpd backends hit directly, with the same wrk load; and the time a
 * change of an Ingress with 1,000 paths takes to reach traffic (watch, render, hitless reload).
 */
const execFileAsync = promisify(execFile);
const { values: opts } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '48' }, paths: { type: 'string', default: '1000' } },
});
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const CONNECTIONS = Number(opts.connections);
const PATHS = Number(opts.paths);
const REPO = join(__dirname, '..', '..', '..', '..', '..');
const LB = '127.0.0.90';
const BACKENDS = ['127.0.0.91', '127.0.0.92', '127.0.0.93'];
const PORT = 18080;

const children: ChildProcess[] = [];
const start = (cmd: string, args: string[], log: string) => {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  children.push(child);
  return child;
};

/** the status, or 0 when HAProxy answered itself for want of a rule (the backends 404 the bench's paths too) */
function get(host: string, port: number, path: string, hostHeader: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, headers: { Host: hostHeader }, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body.startsWith('no ingress rule') ? 0 : (res.statusCode ?? 0)));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** one wrk per target, side by side, each a third of the connections; summed requests/s */
async function load(targets: Array<{ url: string; host?: string }>): Promise<{ rps: number; errors: number; p99: string[] }> {
  const runs = await Promise.all(
    targets.map((t) =>
      execFileAsync('wrk', ['-t1', `-c${Math.max(1, Math.round(CONNECTIONS / targets.length))}`, `-d${SECONDS}s`, '--latency', ...(t.host ? ['-H', `Host: ${t.host}`] : []), t.url], { encoding: 'utf8' }).then((r) => r.stdout),
    ),
  );
  let rps = 0;
  let errors = 0;
  const p99: string[] = [];
  for (const out of runs) {
    rps += Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
    errors += Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    if (socket) errors += socket.slice(1).reduce((n, x) => n + Number(x), 0);
    p99.push(/ 99%\s+(\S+)/.exec(out)?.[1] ?? '?');
  }
  return { rps, errors, p99 };
}

const ingress = (paths: string[]) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'bench', namespace: 'bench' },
  spec: { rules: [{ host: 'app.example', http: { paths: paths.map((path) => ({ path, pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } })) } }] },
});

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingress-'));
  try {
    const cp = await startControlPlane(dir);
    const www = join(dir, 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'index.html'), 'hello from a backend\n');
    for (const address of BACKENDS) start('busybox', ['httpd', '-f', '-p', `${address}:${PORT}`, '-h', www], join(dir, `httpd-${address}.log`));
    const client = cp.pki.issue('ingress-controller', { cn: 'corral:ingress-controller', client: true });
    const kubeconfig = cp.pki.kubeconfig('ingress-controller', cp.server, client);
    const runDir = join(dir, 'lb');
    const controllerLog = join(dir, 'controller.log');
    start(join(REPO, 'bin', 'corral-ingress-controller'), [`--kubeconfig=${kubeconfig}`, `--bind-address=${LB}`, '--http-port=80', '--healthz-port=10254', '--haproxy=haproxy', `--run-dir=${runDir}`], controllerLog);

    await cp.api('/api/v1/namespaces', 'POST', { metadata: { name: 'bench' } });
    await cp.api('/api/v1/namespaces/bench/services', 'POST', { metadata: { name: 'web', namespace: 'bench' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    await cp.api('/apis/discovery.k8s.io/v1/namespaces/bench/endpointslices', 'POST', {
      metadata: { name: 'web-1', namespace: 'bench', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: BACKENDS.map((address) => ({ addresses: [address], conditions: { ready: true } })),
      ports: [{ name: 'http', port: PORT, protocol: 'TCP' }],
    });
    await cp.api('/apis/networking.k8s.io/v1/namespaces/bench/ingresses', 'POST', ingress(['/']));
    await until('HAProxy answers', async () => (await get(LB, 80, '/', 'app.example')) === 200);
    await until('backends answer', async () => (await Promise.all(BACKENDS.map((b) => get(b, PORT, '/', 'x')))).every((s) => s === 200));

    const direct = BACKENDS.map((b) => ({ url: `http://${b}:${PORT}/` }));
    const viaLb = BACKENDS.map(() => ({ url: `http://${LB}/`, host: 'app.example' }));
    process.stderr.write(`[bench] ${ROUNDS} rounds of ${SECONDS} s per target, ${CONNECTIONS} connections, alternating\n`);
    const results = { direct: [] as number[], haproxy: [] as number[], errors: { direct: 0, haproxy: 0 }, p99: { direct: [] as string[], haproxy: [] as string[] } };
    for (let i = 0; i < ROUNDS; i++) {
      for (const which of i % 2 === 0 ? (['direct', 'haproxy'] as const) : (['haproxy', 'direct'] as const)) {
        const r = await load(which === 'direct' ? direct : viaLb);
        results[which].push(r.rps);
        results.errors[which] += r.errors;
        results.p99[which].push(...r.p99);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

    // 1,000 paths: each round replaces every path, so the structure changes and HAProxy reloads
    const reloads: number[] = [];
    const endToEnd: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const paths = Array.from({ length: PATHS }, (_, i) => `/r${round}/p${i}`);
      const logged = readFileSync(controllerLog, 'utf8').split('\n').length;
      const t = performance.now();
      const put = await cp.api('/apis/networking.k8s.io/v1/namespaces/bench/ingresses/bench', 'PUT', ingress(paths));
      if (put.status !== 200) throw new Error(`PUT ingress: ${put.status} ${JSON.stringify(put.body)}`);
      await until(`the last of ${PATHS} paths reaches a backend`, async () => (await get(LB, 80, `${paths.at(-1)}/x`, 'app.example')) === 404, 60_000, 5);
      endToEnd.push(performance.now() - t);
      await until('reload logged', async () => readFileSync(controllerLog, 'utf8').split('\n').slice(logged - 1).some((l) => l.includes('reloaded')));
      const entry = readFileSync(controllerLog, 'utf8').split('\n').slice(logged - 1).filter((l) => l.includes('reloaded')).map((l) => JSON.parse(l) as { ms: number }).at(-1)!;
      reloads.push(entry.ms);
    }
    const rps = { direct: mean(results.direct), haproxy: mean(results.haproxy) };
    process.stdout.write(
      [
        `wrk, ${CONNECTIONS} keep-alive connections in 3 wrk processes, ${ROUNDS} x ${SECONDS} s per target, 3 busybox httpd backends`,
        `direct   ${rps.direct.toFixed(0).padStart(7)} req/s  (rounds ${results.direct.map((x) => x.toFixed(0)).join(', ')}; errors ${results.errors.direct}; p99 ${results.p99.direct.join(' ')})`,
        `haproxy  ${rps.haproxy.toFixed(0).padStart(7)} req/s  (rounds ${results.haproxy.map((x) => x.toFixed(0)).join(', ')}; errors ${results.errors.haproxy}; p99 ${results.p99.haproxy.join(' ')})`,
        `haproxy/direct: ${((100 * rps.haproxy) / rps.direct).toFixed(1)} %`,
        `Ingress with ${PATHS} paths replaced: HAProxy reload ${reloads.map((x) => `${x} ms`).join(', ')}; update -> new path answering ${endToEnd.map((x) => `${x.toFixed(0)} ms`).join(', ')}`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    if (process.env.BENCH_KEEP) process.stderr.write(`[bench] kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  });
