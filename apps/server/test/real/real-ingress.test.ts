import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeAgentBinDir, kubeBinDir } from '@corral/kube-build';
import { HostHarness, HostProcess, agentArgv } from '@corral/test-hosts';
import { buildCorralImages } from '@corral/images';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from '../support/test-server';

/**
 * Issue 13's ingress load balancing on real binaries (the part built so far): the ingress
 * controller runs Debian's HAProxy on its host, routing an Ingress's host and path rules straight
 * to the pod IPs of the Services' EndpointSlices; endpoint changes go through HAProxy's runtime
 * API; a lost LB host has the controller, and so HAProxy, re-placed.
 */
const execFileAsync = promisify(execFile);

jest.setTimeout(900_000);

const ENV = 'ing';
const BUSYBOX = 'corral.local/busybox:1.35.0';

interface Answer {
  status: number;
  body: string;
}

/** GET http://address/path with a Host header; resend once when a reused idle connection was closed unread (RFC 9112 9.3.1) */
function get(address: string, path: string, host: string, agent: Agent | false = false): Promise<Answer> {
  const once = () =>
    new Promise<Answer>((resolve, reject) => {
      const req = request({ host: address, port: 80, path, headers: { Host: host }, timeout: 5000, agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err: NodeJS.ErrnoException) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end();
    });
  return once().catch((err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
    if (err.reusedSocket && err.code === 'ECONNRESET') return once();
    throw err;
  });
}

/** GET https://address/ with SNI and Host app.example: the served certificate's CN and the body */
function httpsGet(address: string): Promise<{ cn: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: address, port: 443, path: '/', servername: 'app.example', headers: { Host: 'app.example' }, rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
      const cn = String((res.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ cn, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const WORKLOADS = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: httpd
          image: ${BUSYBOX}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 1 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 1
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: httpd
          image: ${BUSYBOX}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "mkdir -p /www/api && echo api-$(hostname) > /www/api/index.html && exec httpd -f -p 8080 -h /www"]
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /api/, port: 8080 }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: v1
kind: Service
metadata: { name: api }
spec: { selector: { app: api }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: app }
spec:
  rules:
    - host: app.example
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
          - { path: /api, pathType: Prefix, backend: { service: { name: api, port: { name: http } } } }
`;

describe('ingress load balancing on real nodes (issue 13)', () => {
  let harness: HostHarness;
  let server: TestServer;
  let binDir: string;
  let kubeconfigFile: string;
  const agents: HostProcess[] = [];
  let admin: ReturnType<typeof apiClient>;
  let appliedAt = 0;

  const kubectl = async (...args: string[]) =>
    (await execFileAsync(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfigFile, '--request-timeout=20s', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
  const kubectlJson = async (...args: string[]) => JSON.parse(await kubectl(...args, '-o', 'json'));
  const diagnose = async () => {
    const view = (await admin.get(`/v1/environments/${ENV}`)).body;
    const pods = await kubectl('get', 'pods', '-A', '-o', 'wide').catch((err: Error) => err.message);
    return `state ${view.state}; conditions ${JSON.stringify(view.conditions?.filter((c: { status: string }) => c.status !== 'True'))}\n${pods}`;
  };
  const withDiagnosis = async <T>(p: Promise<T>): Promise<T> =>
    p.catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await diagnose()}`);
    });
  /** the address of the host whose ingress controller (and HAProxy) is healthy */
  const lbAddress = async (): Promise<string | null> => {
    for (const h of (await admin.get(`/v1/hosts?environment=${ENV}`)).body.items as { id: string; addresses: string[] }[]) {
      const c = (await admin.get(`/v1/hosts/${h.id}`)).body.components.find((x: { kind: string }) => x.kind === 'ingress-controller');
      if (c?.observed?.healthy) return h.addresses[0]!;
    }
    return null;
  };
  const statusAddresses = async () => (((await kubectlJson('get', 'ingress', 'app')).status?.loadBalancer?.ingress ?? []) as { ip: string }[]).map((i) => i.ip).sort();
  const answers = async (address: string) => {
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const a = await get(address, '/', 'app.example');
      expect(a.status).toBe(200);
      seen.add(a.body);
    }
    return seen;
  };

  beforeAll(async () => {
    const upstream = kubeBinDir();
    harness = await HostHarness.create({ count: 3, nodes: true });
    binDir = composeAgentBinDir(join(harness.workDir, 'bin'), upstream);
    const imageDir = join(harness.workDir, 'images');
    buildCorralImages({ outDir: imageDir });
    server = await startTestServer(isolatedConfig({ CORRAL_BIND_ADDRESS: '0.0.0.0', CORRAL_IMAGE_DIR: imageDir, CORRAL_HOST_DISCONNECTED_AFTER: '5s', CORRAL_HOST_LOST_AFTER: '20s' }));
    admin = apiClient(server.url, server.adminKey);
    kubeconfigFile = join(harness.workDir, `${ENV}.kubeconfig`);
  });
  afterAll(async () => {
    await harness?.destroy().catch(() => undefined);
    await server?.close();
  });

  it('HAProxy on the LB host routes the Ingress to the pods of 2 Services', async () => {
    expect((await admin.post('/v1/environments', { name: ENV, etcd: { members: 3 } })).status).toBe(201);
    const token = (await admin.post(`/v1/environments/${ENV}/registration-tokens`, { maxUses: 3 })).body.token;
    const serverUrl = server.urlAt(harness.serverAddress);
    harness.hosts.forEach((host, i) => {
      agents.push(harness.startProcess(host, agentArgv(host, { server: serverUrl, token, binDir, hostname: `node-${i + 1}`, extraArgs: ['--heartbeat-interval', '1s'] }), { name: 'agent' }));
    });
    await withDiagnosis(eventually(async () => (await admin.get(`/v1/environments/${ENV}`)).body.state === 'active', { timeoutMs: 300_000, intervalMs: 1000, what: `${ENV} active` }));
    writeFileSync(kubeconfigFile, (await admin.get(`/v1/environments/${ENV}/kubeconfig`)).body, { mode: 0o600 });
    await withDiagnosis(eventually(async () => {
      const items = (await kubectlJson('get', 'nodes')).items as any[];
      const ready = items.filter((n) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.filter((n) => (n.status.images ?? []).some((i: any) => i.names.includes(BUSYBOX))).length === 3;
    }, { timeoutMs: 180_000, intervalMs: 2000, what: '3 Ready nodes with the busybox image' }));
    await eventually(async () => (await kubectl('get', 'serviceaccount', 'default', '-o', 'name').catch(() => '')).trim() !== '', { timeoutMs: 60_000, intervalMs: 1000, what: 'default service account' });

    writeFileSync(join(harness.workDir, 'workloads.yaml'), WORKLOADS);
    appliedAt = Date.now();
    await kubectl('apply', '-f', join(harness.workDir, 'workloads.yaml'));
    const address = (await withDiagnosis(eventually(lbAddress, { timeoutMs: 60_000, intervalMs: 1000, what: 'a healthy ingress controller' })))!;
    await withDiagnosis(eventually(async () => (await answers(address).catch(() => new Set())).size === 3, { timeoutMs: 180_000, intervalMs: 1000, what: '3 web pods answer through HAProxy' }));
    process.stdout.write(`ingress: apply -> 3 pods answering through HAProxy at ${address} in ${((Date.now() - appliedAt) / 1000).toFixed(1)} s\n`);

    const pods = ((await kubectlJson('get', 'pods', '-l', 'app=web')).items as any[]).map((p) => p.metadata.name).sort();
    expect([...(await answers(address))].sort()).toEqual(pods);
    // the api pod may become ready after the web pods: 503 until then
    await withDiagnosis(eventually(async () => (await get(address, '/api/', 'app.example')).status === 200, { timeoutMs: 60_000, intervalMs: 500, what: 'the api pod answers /api/' }));
    const api = (await kubectlJson('get', 'pods', '-l', 'app=api')).items[0].metadata.name;
    expect(await get(address, '/api/', 'app.example')).toEqual({ status: 200, body: `api-${api}` });
    expect((await get(address, '/', 'other.example')).status).toBe(404);
    // class corral is the default, and the status lists the instance's address
    expect((await kubectlJson('get', 'ingressclass', 'corral')).spec.controller).toBe('corral.dev/ingress-controller');
    await withDiagnosis(eventually(async () => (await statusAddresses()).join() === address, { timeoutMs: 30_000, intervalMs: 1000, what: `Ingress status lists ${address}` }));
  });

  it('TLS from the Ingress tls Secret: HTTPS answers with the test certificate', async () => {
    const address = (await lbAddress())!;
    const key = join(harness.workDir, 'app.key');
    const crt = join(harness.workDir, 'app.crt');
    await execFileAsync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=corral-ingress-test', '-addext', 'subjectAltName=DNS:app.example', '-keyout', key, '-out', crt]);
    await kubectl('create', 'secret', 'tls', 'app-tls', `--cert=${crt}`, `--key=${key}`);
    await kubectl('patch', 'ingress', 'app', '--type=merge', '-p', JSON.stringify({ spec: { tls: [{ hosts: ['app.example'], secretName: 'app-tls' }] } }));
    const answer = await withDiagnosis(eventually(async () => {
      const a = await httpsGet(address).catch(() => null);
      return a?.cn === 'corral-ingress-test' ? a : null;
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'HTTPS with the test certificate' }));
    const pods = ((await kubectlJson('get', 'pods', '-l', 'app=web')).items as any[]).map((p) => p.metadata.name);
    expect(pods).toContain(answer!.body);
  });

  it('scaling the Deployment 3 -> 6 under a client loop: 0 failed requests, the new pods answer', async () => {
    const address = (await lbAddress())!;
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const seen = new Set<string>();
    const failures: string[] = [];
    let ok = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        try {
          const a = await get(address, '/', 'app.example', agent);
          if (a.status === 200) {
            ok += 1;
            seen.add(a.body);
          } else failures.push(`${a.status} ${a.body}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    try {
      await kubectl('scale', 'deployment', 'web', '--replicas=6');
      await withDiagnosis(eventually(async () => seen.size === 6, { timeoutMs: 180_000, intervalMs: 1000, what: '6 web pods answer through HAProxy' }));
    } finally {
      running = false;
      await loop;
      agent.destroy();
    }
    process.stdout.write(`ingress: scale 3 -> 6 under load: ${ok} requests, ${failures.length} failed\n`);
    expect(failures).toEqual([]);
  });

  it('a cut LB host: the controller and its HAProxy are re-placed, and the new address answers', async () => {
    const address = (await lbAddress())!;
    const victim = harness.hosts.findIndex((h) => h.address === address);
    const cutAt = Date.now();
    await harness.cutLink(victim);
    const moved = (await withDiagnosis(eventually(async () => {
      const a = await lbAddress();
      return a && a !== address ? a : null;
    }, { timeoutMs: 180_000, intervalMs: 1000, what: 'ingress controller re-placed' })))!;
    await withDiagnosis(eventually(async () => (await get(moved, '/', 'app.example').catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 120_000, intervalMs: 500, what: 'the new LB address answers' }));
    const answeredAfter = (Date.now() - cutAt) / 1000;
    await withDiagnosis(eventually(async () => (await statusAddresses()).join() === moved, { timeoutMs: 60_000, intervalMs: 1000, what: `Ingress status lists only ${moved}` }));
    process.stdout.write(`ingress: LB host ${address} cut; ${moved} answers after ${answeredAfter.toFixed(1)} s, status lists only it after ${((Date.now() - cutAt) / 1000).toFixed(1)} s (host lost after 20 s)\n`);
    await harness.restoreLink(victim);
  });
});
