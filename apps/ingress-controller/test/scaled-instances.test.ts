import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane, BIN_DIR, freePort, startProcess, stopAll, waitFor, type Managed } from '@corral/testing';

jest.setTimeout(180_000);

/**
 * corral.dev/scale across three controller instances (each with its HAProxy on its own
 * address): an Ingress of scale N is routed by N of them and its status lists exactly those;
 * the others answer 404 for it; a killed instance's Ingresses move to a live one.
 */
const INSTANCES = ['127.0.0.100', '127.0.0.101', '127.0.0.102'];
const POD = '127.0.0.110';
const HAPROXY = '/usr/sbin/haproxy';

function status(address: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: address, port, path: '/', headers: { Host: 'app.example' }, timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

describe('corral.dev/scale: Ingresses spread over the live LB instances', () => {
  let dir: string;
  let cp: ControlPlane;
  let pod: Server;
  let httpPort: number;
  const controllers = new Map<string, Managed>();
  let networking: k8s.NetworkingV1Api;

  const statusAddresses = async () => ((await networking.readNamespacedIngress({ name: 'web', namespace: 'shop' })).status?.loadBalancer?.ingress ?? []).map((i) => i.ip!).sort();
  /** the instances answering 200 for app.example, after the status lists exactly them */
  const serving = async () => (await Promise.all(INSTANCES.map(async (a) => ((await status(a, httpPort)) === 200 ? a : null)))).filter((a): a is string => a !== null).sort();
  const settlesOn = async (count: number, live = INSTANCES) =>
    waitFor(`${count} instance(s) in the status, exactly those answering, the other live ones 404`, async () => {
      const listed = await statusAddresses();
      if (listed.length !== count || !listed.every((a) => live.includes(a))) return false;
      const answering = await serving();
      const others = await Promise.all(live.filter((a) => !listed.includes(a)).map((a) => status(a, httpPort)));
      return answering.join() === listed.join() && others.every((s) => s === 404);
    }, 30_000, 500);
  const annotate = async (scale: string) =>
    networking.patchNamespacedIngress({ name: 'web', namespace: 'shop', body: { metadata: { annotations: { 'corral.dev/scale': scale } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingress-scale-'));
    cp = await startControlPlane(dir);
    const podPort = await freePort(POD);
    pod = createServer((_req, res) => res.end('pod'));
    await new Promise<void>((r) => pod.listen(podPort, POD, r));
    const client = cp.pki.issue('ingress-controller', { cn: 'corral:ingress-controller', client: true });
    const kubeconfig = cp.pki.kubeconfig('ingress-controller', cp.server, client);
    httpPort = await freePort(INSTANCES[0]);
    for (const [i, address] of INSTANCES.entries()) {
      const args = [`--kubeconfig=${kubeconfig}`, `--bind-address=${address}`, `--http-port=${httpPort}`, `--healthz-port=${httpPort + 1}`, `--https-port=${httpPort + 2}`, `--haproxy=${HAPROXY}`, `--run-dir=${join(dir, `lb-${i}`)}`];
      controllers.set(address, startProcess(join(BIN_DIR, 'corral-ingress-controller'), args, join(dir, `controller-${i}.log`)));
    }
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.adminKubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    networking = kc.makeApiClient(k8s.NetworkingV1Api);
    await core.createNamespace({ body: { metadata: { name: 'shop' } } });
    await core.createNamespacedService({ namespace: 'shop', body: { metadata: { name: 'front', namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' as unknown as k8s.IntOrString }] } } });
    await kc.makeApiClient(k8s.DiscoveryV1Api).createNamespacedEndpointSlice({
      namespace: 'shop',
      body: { metadata: { name: 'front-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'front' } }, addressType: 'IPv4', endpoints: [{ addresses: [POD], conditions: { ready: true } }], ports: [{ name: 'http', port: podPort, protocol: 'TCP' }] },
    });
    await networking.createNamespacedIngress({
      namespace: 'shop',
      body: {
        metadata: { name: 'web', namespace: 'shop', annotations: { 'corral.dev/scale': '2' } },
        spec: { rules: [{ host: 'app.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'front', port: { number: 80 } } } }] } }] },
      },
    });
  });

  afterAll(async () => {
    await stopAll();
    await new Promise((r) => pod?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scale 2, 3, 1: the status lists exactly the instances that route the Ingress', async () => {
    await settlesOn(2);
    await annotate('3');
    await settlesOn(3);
    await annotate('1');
    await settlesOn(1);
  });

  it('an invalid scale is served by one instance', async () => {
    await annotate('2');
    await settlesOn(2);
    await annotate('abc');
    await settlesOn(1);
  });

  it('the apiserver away: every instance stays healthy and keeps routing what it routed', async () => {
    await annotate('2');
    await settlesOn(2);
    const listed = await statusAddresses();
    const healthz = (address: string) =>
      new Promise<number>((resolve) => {
        const req = request({ host: address, port: httpPort + 1, path: '/healthz', timeout: 2000, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.end();
      });
    await cp.stopApiserver();
    try {
      // past the watch's reconnect grace (5 s) and a Lease's duration (10 s)
      await new Promise((r) => setTimeout(r, 12_000));
      expect(await Promise.all(INSTANCES.map(healthz))).toEqual([200, 200, 200]);
      expect(await serving()).toEqual(listed);
    } finally {
      await cp.startApiserver();
    }
    await settlesOn(2);
  });

  it('a killed instance: its Ingress moves to a live one and the status follows', async () => {
    await annotate('2');
    await settlesOn(2);
    const [victim] = await statusAddresses();
    await controllers.get(victim!)!.stop('SIGKILL');
    const live = INSTANCES.filter((a) => a !== victim);
    const killedAt = Date.now();
    await settlesOn(2, live);
    expect(await statusAddresses()).toEqual(live);
    process.stdout.write(`scale: instance ${victim} killed; its Ingress routed by ${live.join(' and ')} and the status updated after ${((Date.now() - killedAt) / 1000).toFixed(1)} s (Lease 10 s)\n`);
  });
});
