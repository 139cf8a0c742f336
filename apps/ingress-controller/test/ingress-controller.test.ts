import * as k8s from '@kubernetes/client-node';
import { readdirSync, readFileSync, readlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The kube-stand-ins test harness (etcd + kube-apiserver stand-in with a test PKI, processes in
// their own groups), reused rather than copied; it has no alias of its own, so a relative import.
import { startControlPlane, type ControlPlane, BIN_DIR, freePort, startProcess, stopAll, waitFor, type Managed } from '@corral/testing';

jest.setTimeout(120_000);

/** a loopback address of its own: the listeners must bind it and nothing else */
const ADDRESS = '127.0.0.61';

interface HttpResult {
  status: number;
  body: string;
}

function httpGet(port: number, path: string, host?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ADDRESS, port, path, headers: host ? { Host: host } : {}, timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

type LogEntry = Record<string, any> & { msg: string; level: number };

function logEntries(file: string): LogEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogEntry];
      } catch {
        return [];
      }
    });
}

/** "address:port" of every TCP socket the process listens on, from /proc */
function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // fd closed meanwhile
    }
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9]!)) continue;
      const [hexAddress, hexPort] = cols[1]!.split(':');
      const address = hexAddress!.length === 8 ? (hexAddress!.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)).join('.') : hexAddress!;
      out.push(`${address}:${parseInt(hexPort!, 16)}`);
    }
  }
  return out.sort();
}

const ingress = (name: string, host: string, paths: Array<[string, string, number]>): k8s.V1Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'shop' },
  spec: {
    rules: [{ host, http: { paths: paths.map(([path, service, port]) => ({ path, pathType: 'Prefix', backend: { service: { name: service, port: { number: port } } } })) } }],
  },
});

describe('corral-ingress-controller against etcd and the kube-apiserver stand-in', () => {
  let dir: string;
  let cp: ControlPlane;
  let controller: Managed;
  let logFile: string;
  let healthzPort: number;
  let httpPort: number;
  let httpsPort: number;
  let networking: k8s.NetworkingV1Api;

  const healthz = () => httpGet(healthzPort, '/healthz').catch((err: Error) => ({ status: 0, body: err.message }));
  const rules = async () => JSON.parse((await httpGet(healthzPort, '/debug/rules')).body) as { synced: boolean; ingresses: number; rules: Array<Record<string, unknown>> };
  const logged = (msg: string, ingressKey?: string) => logEntries(logFile).filter((e) => e.msg === msg && (ingressKey === undefined || e.ingress === ingressKey));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingress-controller-test-'));
    cp = await startControlPlane(dir);
    const client = cp.pki.issue('ingress-controller', { cn: 'corral:ingress-controller', client: true });
    const kubeconfig = cp.pki.kubeconfig('ingress-controller', cp.server, client);
    healthzPort = await freePort(ADDRESS);
    httpPort = await freePort(ADDRESS);
    httpsPort = await freePort(ADDRESS);
    logFile = join(dir, 'ingress-controller.log');
    // the flags the catalog passes (build-ingress-controller.ts), through the wrapper an agent runs
    controller = startProcess(
      join(BIN_DIR, 'corral-ingress-controller'),
      [`--kubeconfig=${kubeconfig}`, `--bind-address=${ADDRESS}`, `--http-port=${httpPort}`, `--https-port=${httpsPort}`, `--healthz-port=${healthzPort}`],
      logFile,
    );
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.adminKubeconfig);
    networking = kc.makeApiClient(k8s.NetworkingV1Api);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: 'shop' } } });
  });

  afterAll(async () => {
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports healthy once the informer has synced and watches', async () => {
    await waitFor('healthz 200', async () => (await healthz()).status === 200, 30_000);
    expect(await healthz()).toEqual({ status: 200, body: 'ok\n' });
    expect(await rules()).toEqual({ synced: true, watch: 'connected', ingresses: 0, rules: [] });
  });

  it('listens on --bind-address only, with the healthz and http ports (no https listener yet)', () => {
    expect(listeningSockets(controller.proc.pid!)).toEqual([`${ADDRESS}:${healthzPort}`, `${ADDRESS}:${httpPort}`].sort());
  });

  it('logs a new Ingress and shows its rules on /debug/rules', async () => {
    await networking.createNamespacedIngress({ namespace: 'shop', body: ingress('web', 'shop.example.com', [['/', 'front', 80], ['/api', 'api', 8080]]) });
    await waitFor('rules of shop/web', async () => (await rules()).rules.length === 2);
    expect((await rules()).rules).toEqual([
      { namespace: 'shop', ingress: 'web', host: 'shop.example.com', path: '/', pathType: 'Prefix', service: 'front', port: 80 },
      { namespace: 'shop', ingress: 'web', host: 'shop.example.com', path: '/api', pathType: 'Prefix', service: 'api', port: 8080 },
    ]);
    const [added] = logged('ingress added', 'shop/web');
    expect(added).toMatchObject({ service: 'corral-ingress-controller', level: 30, rules: [{ host: 'shop.example.com', path: '/', service: 'front', port: 80 }, { path: '/api', service: 'api' }] });
    expect(added!.resourceVersion).toMatch(/^\d+$/);
  });

  it('answers on the http port by the rules: 503 (no proxying yet) for a known host, 404 otherwise', async () => {
    const known = await httpGet(httpPort, '/api/orders', 'shop.example.com');
    expect(known.status).toBe(503);
    expect(known.body).toBe('ingress shop/web routes shop.example.com/api (Prefix) to service api:8080, but this controller does not proxy traffic yet\n');
    expect(await httpGet(httpPort, '/', 'nobody.example.com')).toEqual({ status: 404, body: 'no ingress rule for host "nobody.example.com"\n' });
  });

  it('follows updates and deletes', async () => {
    await networking.replaceNamespacedIngress({ name: 'web', namespace: 'shop', body: ingress('web', 'shop.example.com', [['/v2', 'api-v2', 8080]]) });
    await waitFor('updated rules', async () => (await rules()).rules.map((r) => r.path).join() === '/v2');
    expect(logged('ingress updated', 'shop/web')).toHaveLength(1);

    await networking.deleteNamespacedIngress({ name: 'web', namespace: 'shop' });
    await waitFor('rules gone', async () => (await rules()).ingresses === 0);
    expect((await rules()).rules).toEqual([]);
    expect(logged('ingress deleted', 'shop/web')).toHaveLength(1);
  });

  it('turns unhealthy with the reason when the apiserver stops, and healthy and current when it is back', async () => {
    await cp.stopApiserver();
    await waitFor('healthz 503', async () => (await healthz()).status === 503, 15_000);
    // first the dropped stream, then the refused reconnects
    expect((await healthz()).body).toMatch(/^apiserver watch disconnected for [\d.]+s: \S/);
    await waitFor('healthz says connection refused', async () => /ECONNREFUSED/.test((await healthz()).body), 15_000);
    expect(await healthz()).toMatchObject({ status: 503, body: expect.stringMatching(/^apiserver watch disconnected for [\d.]+s: fetch failed: ECONNREFUSED .*; next attempt in [\d.]+s\n$/) });
    expect(logged('ingress informer stopped on an error; restarting after backoff').length).toBeGreaterThan(0);

    await cp.startApiserver();
    await waitFor('healthz 200 again', async () => (await healthz()).status === 200, 45_000);
    expect(logged('apiserver watch reconnected').length).toBeGreaterThan(0);
    // retries were spaced by backoff, not a hot loop
    const restarts = logged('ingress informer stopped on an error; restarting after backoff');
    expect(restarts.length).toBeLessThan(20);
    expect(restarts.map((e) => e.retryInMs as number).every((ms) => ms >= 350)).toBe(true);

    // the watch really resumed: a new Ingress reaches the table
    await networking.createNamespacedIngress({ namespace: 'shop', body: ingress('after-restart', 'back.example.com', [['/', 'front', 80]]) });
    await waitFor('rules of shop/after-restart', async () => (await rules()).rules.some((r) => r.ingress === 'after-restart'));
    expect(logged('ingress added', 'shop/after-restart')).toHaveLength(1);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await controller.stop()).toBe(0);
    expect(logEntries(logFile).map((e) => e.msg)).toContain('stopped');
  });
});
