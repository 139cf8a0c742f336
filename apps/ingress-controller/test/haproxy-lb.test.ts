import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { Agent, createServer, request, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startControlPlane, type ControlPlane, BIN_DIR, freePort, startProcess, stopAll, waitFor } from '@corral/testing';

jest.setTimeout(120_000);

/** the load balancer's address; the "pods" are Node servers on 127.0.0.81 and up */
const LB = '127.0.0.80';
const HAPROXY = '/usr/sbin/haproxy';
const podIp = (i: number) => `127.0.0.${81 + i}`;

interface Answer {
  status: number;
  body: string;
}

function get(port: number, path: string, host: string, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: LB, port, path, headers: { Host: host }, timeout: 3000, agent }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end();
  });
}

function runtime(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let out = '';
    s.on('connect', () => s.end(`${command}\n`));
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

/** a self-signed certificate for app.example with `cn` as its subject CN */
async function testCertificate(dir: string, cn: string): Promise<{ crt: string; key: string }> {
  const crt = join(dir, `${cn}.crt`);
  const key = join(dir, `${cn}.key`);
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=DNS:app.example', '-keyout', key, '-out', crt]);
  return { crt: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') };
}

/** GET over TLS with SNI app.example: the certificate's CN and the body */
function httpsGet(port: number, path: string): Promise<{ cn: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: LB, port, path, servername: 'app.example', headers: { Host: 'app.example' }, rejectUnauthorized: false, agent: false, timeout: 3000 }, (res) => {
      const cn = String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ cn, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const workerPid = async (runDir: string) => Number(/^Pid: (\d+)$/m.exec(await runtime(join(runDir, 'admin.sock'), 'show info'))?.[1]);

/**
 * A client loop on one keep-alive connection pool, counting failures, until stopped. Like curl,
 * Go's net/http and browsers (RFC 9112 section 9.3.1), it sends a request again when a reused
 * idle connection was closed before any byte of an answer: HAProxy 2.6's old worker closes idle
 * keep-alive connections on a reload (2.7's idle-close-on-response would avoid it).
 */
function clientLoop(port: number, path: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const seen = new Set<string>();
  let ok = 0;
  let resent = 0;
  const failures: string[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      try {
        const a = await get(port, path, 'app.example', agent).catch((err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
          if (!err.reusedSocket || err.code !== 'ECONNRESET') throw err;
          resent += 1;
          return get(port, path, 'app.example', agent);
        });
        if (a.status === 200) {
          ok += 1;
          seen.add(a.body);
        } else failures.push(`${a.status} ${a.body.trim()}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    agent.destroy();
  })();
  return {
    seen,
    get ok() {
      return ok;
    },
    get resent() {
      return resent;
    },
    failures,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe('corral-ingress-controller with --haproxy: HAProxy routes Ingress rules to EndpointSlice endpoints', () => {
  let dir: string;
  let runDir: string;
  let cp: ControlPlane;
  let httpPort: number;
  let httpsPort: number;
  let podPort: number;
  const pods: Server[] = [];
  let core: k8s.CoreV1Api;
  let discovery: k8s.DiscoveryV1Api;
  let networking: k8s.NetworkingV1Api;
  let coordination: k8s.CoordinationV1Api;

  const slice = (service: string, ips: string[], ready = (_ip: string) => true): k8s.V1EndpointSlice => ({
    metadata: { name: `${service}-abc`, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: ready(ip) } })),
    ports: [{ name: 'http', port: podPort, protocol: 'TCP' }],
  });
  const service = (name: string): k8s.V1Service => ({ metadata: { name, namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' as unknown as k8s.IntOrString }] } });
  const ingress = (paths: Array<[string, string]>): k8s.V1Ingress => ({
    metadata: { name: 'web', namespace: 'shop' },
    spec: { rules: [{ host: 'app.example', http: { paths: paths.map(([path, svc]) => ({ path, pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } })) } }] },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingress-lb-'));
    runDir = join(dir, 'lb');
    cp = await startControlPlane(dir);
    podPort = await freePort(podIp(0));
    for (let i = 0; i < 8; i++) {
      const name = `pod-${i}`;
      const server = createServer((req, res) => res.end(name));
      await new Promise<void>((r) => server.listen(podPort, podIp(i), r));
      pods.push(server);
    }
    const client = cp.pki.issue('ingress-controller', { cn: 'corral:ingress-controller', client: true });
    const kubeconfig = cp.pki.kubeconfig('ingress-controller', cp.server, client);
    httpPort = await freePort(LB);
    const healthzPort = await freePort(LB);
    httpsPort = await freePort(LB);
    startProcess(
      join(BIN_DIR, 'corral-ingress-controller'),
      [`--kubeconfig=${kubeconfig}`, `--bind-address=${LB}`, `--http-port=${httpPort}`, `--healthz-port=${healthzPort}`, `--https-port=${httpsPort}`, `--haproxy=${HAPROXY}`, `--run-dir=${runDir}`, '--v=2'],
      join(dir, 'controller.log'),
    );
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.adminKubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
    networking = kc.makeApiClient(k8s.NetworkingV1Api);
    coordination = kc.makeApiClient(k8s.CoordinationV1Api);
    await core.createNamespace({ body: { metadata: { name: 'shop' } } });
  });

  afterAll(async () => {
    await stopAll();
    await Promise.all(pods.map((s) => new Promise((r) => s.close(r))));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('routes host and path rules to the ready endpoints, round robin, and answers 404 without a rule', async () => {
    await core.createNamespacedService({ namespace: 'shop', body: service('front') });
    await core.createNamespacedService({ namespace: 'shop', body: service('api') });
    await discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: slice('front', [podIp(0), podIp(1), podIp(2), podIp(7)], (ip) => ip !== podIp(7)) });
    await discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: slice('api', [podIp(6)]) });
    await networking.createNamespacedIngress({ namespace: 'shop', body: ingress([['/', 'front'], ['/api', 'api']]) });
    await waitFor('HAProxy routes app.example', async () => (await get(httpPort, '/', 'app.example').catch(() => ({ status: 0, body: '' }))).status === 200, 30_000);

    const answers = await Promise.all(Array.from({ length: 9 }, () => get(httpPort, '/', 'app.example:80')));
    expect(new Set(answers.map((a) => a.body))).toEqual(new Set(['pod-0', 'pod-1', 'pod-2'])); // pod-7 is not ready
    expect(await get(httpPort, '/api/orders', 'APP.example')).toEqual({ status: 200, body: 'pod-6' });
    expect(await get(httpPort, '/api', 'app.example')).toEqual({ status: 200, body: 'pod-6' });
    expect((await get(httpPort, '/apix', 'app.example')).body).toMatch(/^pod-[012]$/);
    expect(await get(httpPort, '/', 'other.example')).toEqual({ status: 404, body: 'no ingress rule for this host and path\n' });
  });

  it('writes its address into the Ingress status, as the holder of the status Lease', async () => {
    await waitFor('status lists the LB address', async () => JSON.stringify((await networking.readNamespacedIngress({ name: 'web', namespace: 'shop' })).status?.loadBalancer?.ingress) === JSON.stringify([{ ip: LB }]), 20_000);
    const leader = await coordination.readNamespacedLease({ name: 'corral-ingress-status', namespace: 'kube-system' });
    expect(leader.spec).toMatchObject({ holderIdentity: LB, leaseDurationSeconds: 10 });
    const instance = await coordination.readNamespacedLease({ name: 'corral-ingress-instance-127-0-0-80', namespace: 'kube-system' });
    expect(instance.spec?.holderIdentity).toBe(LB);
  });

  it('applies endpoint changes through the runtime API, without a reload, losing no request of a keep-alive client', async () => {
    const pid = await workerPid(runDir);
    const loop = clientLoop(httpPort, '/');
    await waitFor('client loop runs', async () => loop.ok > 20);
    // scale 3 -> 6
    await discovery.replaceNamespacedEndpointSlice({ name: 'front-abc', namespace: 'shop', body: slice('front', [0, 1, 2, 3, 4, 5].map(podIp)) });
    await waitFor('six pods answer', async () => loop.seen.size === 6, 15_000);
    // and down to 2: the removed servers go to maintenance
    await discovery.replaceNamespacedEndpointSlice({ name: 'front-abc', namespace: 'shop', body: slice('front', [podIp(4), podIp(5)]) });
    await new Promise((r) => setTimeout(r, 1_000));
    loop.seen.clear();
    await new Promise((r) => setTimeout(r, 1_000));
    await loop.stop();
    expect(loop.failures).toEqual([]);
    expect([...loop.seen].sort()).toEqual(['pod-4', 'pod-5']);
    expect(await workerPid(runDir)).toBe(pid);
  });

  it('reloads hitlessly through the master socket when the rules change, losing no request', async () => {
    const pid = await workerPid(runDir);
    const loop = clientLoop(httpPort, '/');
    await waitFor('client loop runs', async () => loop.ok > 20);
    await core.createNamespacedService({ namespace: 'shop', body: service('admin') });
    await discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: slice('admin', [podIp(7)]) });
    await networking.replaceNamespacedIngress({ name: 'web', namespace: 'shop', body: ingress([['/', 'front'], ['/api', 'api'], ['/admin', 'admin']]) });
    await waitFor('/admin routed', async () => (await get(httpPort, '/admin/x', 'app.example')).body === 'pod-7', 15_000);
    const after = loop.ok;
    await waitFor('more requests after the reload', async () => loop.ok > after + 50);
    await loop.stop();
    expect(loop.failures).toEqual([]);
    expect(await workerPid(runDir)).not.toBe(pid);
    // each resent request was one the old worker never read; printed for the record
    process.stdout.write(`reload: ${loop.ok} requests, ${loop.resent} resent on a fresh connection, 0 failed\n`);
  });

  it('terminates TLS with the certificate of the Ingress tls Secret, and serves a replaced certificate', async () => {
    const tlsSecret = (c: { crt: string; key: string }): k8s.V1Secret => ({
      metadata: { name: 'app-tls', namespace: 'shop' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(c.crt).toString('base64'), 'tls.key': Buffer.from(c.key).toString('base64') },
    });
    await core.createNamespacedSecret({ namespace: 'shop', body: tlsSecret(await testCertificate(dir, 'first')) });
    const body = { ...ingress([['/', 'front']]), spec: { ...ingress([['/', 'front']]).spec, tls: [{ hosts: ['app.example'], secretName: 'app-tls' }] } };
    await networking.replaceNamespacedIngress({ name: 'web', namespace: 'shop', body });
    await waitFor('HTTPS answers', async () => (await httpsGet(httpsPort, '/').catch(() => null))?.cn === 'first', 15_000);
    expect((await httpsGet(httpsPort, '/')).body).toMatch(/^pod-[45]$/);

    await core.replaceNamespacedSecret({ name: 'app-tls', namespace: 'shop', body: tlsSecret(await testCertificate(dir, 'second')) });
    await waitFor('the new certificate is served', async () => (await httpsGet(httpsPort, '/').catch(() => null))?.cn === 'second', 15_000);
  });
});
