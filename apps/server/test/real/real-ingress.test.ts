import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostHarness } from '@corral/test-hosts';
import { buildCorralImages } from '@corral/images';
import { eventually, startRealCluster, type RealCluster } from '@corral/testing';

/**
 * Issue 13's scaled Ingress on real binaries (3 namespace hosts, real kubelets and containerd):
 * `corral.dev/scale: "2"` runs two HAProxy instances (each an ingress controller) on two distinct
 * hosts, routing the Ingress's host and path rules straight to the pod IPs of the Services'
 * EndpointSlices, with TLS from its Secret; the status lists exactly the instances serving it;
 * scale 3 and 1 follow; a cut LB host has its instance re-placed; endpoint changes go through
 * HAProxy's runtime API with no failed request.
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
metadata: { name: app, annotations: { corral.dev/scale: "2" } }
spec:
  rules:
    - host: app.example
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
          - { path: /api, pathType: Prefix, backend: { service: { name: api, port: { name: http } } } }
`;

describe('scaled Ingress on real nodes (issue 13)', () => {
  let cluster: RealCluster;
  let harness: HostHarness;
  let admin: RealCluster['admin'];
  let appliedAt = 0;

  const kubectl = (...args: string[]) => cluster.kubectl(...args);
  const kubectlJson = (...args: string[]) => cluster.kubectlJson(...args);
  const diagnose = async () => {
    const view = (await admin.get(`/v1/environments/${ENV}`)).body;
    const pods = await kubectl('get', 'pods', '-A', '-o', 'wide').catch((err: Error) => err.message);
    const status = await statusAddresses().catch((err: Error) => err.message);
    return `state ${view.state}; conditions ${JSON.stringify(view.conditions?.filter((c: { status: string; type: string }) => c.status !== 'True' || c.type === 'IngressScale'))}; LB hosts ${await lbAddresses().catch(() => '?')}; status ${status}\n${pods}`;
  };
  const withDiagnosis = async <T>(p: Promise<T>): Promise<T> =>
    p.catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await diagnose()}`);
    });
  /** the addresses of the active hosts whose ingress controller (and so HAProxy) is healthy, sorted */
  const lbAddresses = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const h of (await admin.get(`/v1/hosts?environment=${ENV}`)).body.items as { id: string; addresses: string[]; state: string }[]) {
      if (h.state !== 'active') continue;
      const c = (await admin.get(`/v1/hosts/${h.id}`)).body.components.find((x: { kind: string }) => x.kind === 'ingress-controller');
      if (c?.observed?.healthy) found.push(h.addresses[0]!);
    }
    return found.sort();
  };
  const statusAddresses = async () => (((await kubectlJson('get', 'ingress', 'app')).status?.loadBalancer?.ingress ?? []) as { ip: string }[]).map((i) => i.ip).sort();
  const scaleTo = (n: string) => kubectl('annotate', 'ingress', 'app', '--overwrite', `corral.dev/scale=${n}`);
  /** the web pods answering 12 requests to one address (each answer 200) */
  const answers = async (address: string) => {
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const a = await get(address, '/', 'app.example');
      expect(a.status).toBe(200);
      seen.add(a.body);
    }
    return seen;
  };
  const answersOk = async (address: string) => (await get(address, '/', 'app.example').catch(() => ({ status: 0 }))).status === 200;
  /** n healthy instances on n distinct hosts, the status listing exactly them, each answering */
  const instancesSettle = async (n: number, timeoutMs = 120_000): Promise<string[]> =>
    (await withDiagnosis(eventually(async () => {
      const lbs = await lbAddresses();
      if (lbs.length !== n || (await statusAddresses()).join() !== lbs.join()) return null;
      return (await Promise.all(lbs.map(answersOk))).every(Boolean) ? lbs : null;
    }, { timeoutMs, intervalMs: 1000, what: `${n} LB instance(s), listed in the Ingress status, answering` })))!;

  beforeAll(async () => {
    cluster = await startRealCluster({
      env: ENV,
      images: (outDir) => buildCorralImages({ outDir }),
      serverEnv: { CORRAL_HOST_DISCONNECTED_AFTER: '5s', CORRAL_HOST_LOST_AFTER: '20s' },
      agentArgs: ['--heartbeat-interval', '1s'],
    });
    ({ harness, admin } = cluster);
  });
  afterAll(() => cluster?.stop());

  it('scale "2": two HAProxy instances on two hosts, both in the status, each routing to the pods of 2 Services', async () => {
    await cluster.createActive({ diagnose });
    await withDiagnosis(eventually(async () => {
      const items = (await kubectlJson('get', 'nodes')).items as any[];
      const ready = items.filter((n) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.filter((n) => (n.status.images ?? []).some((i: any) => i.names.includes(BUSYBOX))).length === 3;
    }, { timeoutMs: 180_000, intervalMs: 2000, what: '3 Ready nodes with the busybox image' }));
    await eventually(async () => (await kubectl('get', 'serviceaccount', 'default', '-o', 'name').catch(() => '')).trim() !== '', { timeoutMs: 60_000, intervalMs: 1000, what: 'default service account' });

    writeFileSync(join(harness.workDir, 'workloads.yaml'), WORKLOADS);
    appliedAt = Date.now();
    await kubectl('apply', '-f', join(harness.workDir, 'workloads.yaml'));
    const lbs = await instancesSettle(2, 180_000);
    for (const address of lbs) await withDiagnosis(eventually(async () => (await answers(address).catch(() => new Set())).size === 3, { timeoutMs: 180_000, intervalMs: 1000, what: `3 web pods answer through HAProxy at ${address}` }));
    process.stdout.write(`ingress: apply -> 2 instances (${lbs.join(', ')}) with 3 pods answering through each in ${((Date.now() - appliedAt) / 1000).toFixed(1)} s\n`);

    const pods = ((await kubectlJson('get', 'pods', '-l', 'app=web')).items as any[]).map((p) => p.metadata.name).sort();
    // the api pod may become ready after the web pods: 503 until then
    await withDiagnosis(eventually(async () => (await Promise.all(lbs.map((a) => get(a, '/api/', 'app.example')))).every((a) => a.status === 200), { timeoutMs: 60_000, intervalMs: 500, what: 'the api pod answers /api/' }));
    const api = (await kubectlJson('get', 'pods', '-l', 'app=api')).items[0].metadata.name;
    for (const address of lbs) {
      expect([...(await answers(address))].sort()).toEqual(pods);
      expect(await get(address, '/api/', 'app.example')).toEqual({ status: 200, body: `api-${api}` });
      expect((await get(address, '/', 'other.example')).status).toBe(404);
    }
    // class corral is the default; the environment says how many instances and why
    expect((await kubectlJson('get', 'ingressclass', 'corral')).spec.controller).toBe('corral.dev/ingress-controller');
    const conditions = (await admin.get(`/v1/environments/${ENV}`)).body.conditions as Array<{ type: string; status: string; message: string }>;
    expect(conditions).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'IngressScale', status: 'True', message: '2 load balancer instance(s): the largest corral.dev/scale is 2 (default/app)' }),
      expect.objectContaining({ type: 'IngressReady', status: 'True', message: '2 ingress component(s) healthy' }),
    ]));
  });

  it('TLS from the Ingress tls Secret: HTTPS on every instance answers with the test certificate', async () => {
    const lbs = await lbAddresses();
    const key = join(harness.workDir, 'app.key');
    const crt = join(harness.workDir, 'app.crt');
    await execFileAsync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=corral-ingress-test', '-addext', 'subjectAltName=DNS:app.example', '-keyout', key, '-out', crt]);
    await kubectl('create', 'secret', 'tls', 'app-tls', `--cert=${crt}`, `--key=${key}`);
    await kubectl('patch', 'ingress', 'app', '--type=merge', '-p', JSON.stringify({ spec: { tls: [{ hosts: ['app.example'], secretName: 'app-tls' }] } }));
    const pods = ((await kubectlJson('get', 'pods', '-l', 'app=web')).items as any[]).map((p) => p.metadata.name);
    for (const address of lbs) {
      const answer = await withDiagnosis(eventually(async () => {
        const a = await httpsGet(address).catch(() => null);
        return a?.cn === 'corral-ingress-test' ? a : null;
      }, { timeoutMs: 30_000, intervalMs: 500, what: `HTTPS with the test certificate at ${address}` }));
      expect(pods).toContain(answer!.body);
    }
  });

  it('scale "3" then "1": the instances and the status follow', async () => {
    let at = Date.now();
    await scaleTo('3');
    const three = await instancesSettle(3);
    expect(three).toEqual(harness.hosts.map((h) => h.address).sort());
    process.stdout.write(`ingress: scale 2 -> 3: 3 instances listed and answering after ${((Date.now() - at) / 1000).toFixed(1)} s\n`);
    at = Date.now();
    await scaleTo('1');
    const [one] = await instancesSettle(1);
    expect(three).toContain(one);
    process.stdout.write(`ingress: scale 3 -> 1: 1 instance (${one}) listed and answering after ${((Date.now() - at) / 1000).toFixed(1)} s\n`);
    expect((await answers(one!)).size).toBeGreaterThanOrEqual(2);
    await scaleTo('2');
    await instancesSettle(2);
  });

  it('scaling the Deployment 3 -> 6 under a client loop on both instances: 0 failed requests, the new pods answer', async () => {
    const lbs = await lbAddresses();
    expect(lbs).toHaveLength(2);
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const seen = lbs.map(() => new Set<string>());
    const failures: string[] = [];
    let ok = 0;
    let running = true;
    const loop = (async () => {
      for (let i = 0; running; i++) {
        const at = i % lbs.length;
        try {
          const a = await get(lbs[at]!, '/', 'app.example', agent);
          if (a.status === 200) {
            ok += 1;
            seen[at]!.add(a.body);
          } else failures.push(`${lbs[at]}: ${a.status} ${a.body}`);
        } catch (err) {
          failures.push(`${lbs[at]}: ${(err as Error).message}`);
        }
      }
    })();
    try {
      await kubectl('scale', 'deployment', 'web', '--replicas=6');
      await withDiagnosis(eventually(async () => seen.every((s) => s.size === 6), { timeoutMs: 180_000, intervalMs: 1000, what: '6 web pods answer through both instances' }));
    } finally {
      running = false;
      await loop;
      agent.destroy();
    }
    process.stdout.write(`ingress: scale 3 -> 6 under load on ${lbs.join(' and ')}: ${ok} requests, ${failures.length} failed\n`);
    expect(failures).toEqual([]);
  });

  it('a cut LB host: its instance is re-placed, the status follows, and the time to a working address is measured', async () => {
    const before = await lbAddresses();
    const cut = before[0]!;
    const survivor = before[1]!;
    const victim = harness.hosts.findIndex((h) => h.address === cut);
    const cutAt = Date.now();
    await harness.cutLink(victim);
    // a client of the surviving instance meanwhile: requests sent to pods of the cut host wait for
    // HAProxy's connect timeout until its checks take those servers out
    let running = true;
    const survivorLoop = { ok: 0, failed: 0, lastFailureAfter: 0 };
    const loop = (async () => {
      while (running) {
        if (await answersOk(survivor)) survivorLoop.ok += 1;
        else {
          survivorLoop.failed += 1;
          survivorLoop.lastFailureAfter = (Date.now() - cutAt) / 1000;
        }
      }
    })();
    try {
      // the status drops the cut instance once its Lease expires
      await withDiagnosis(eventually(async () => (await statusAddresses()).join() === survivor, { timeoutMs: 60_000, intervalMs: 500, what: `Ingress status lists only ${survivor}` }));
      const droppedAfter = (Date.now() - cutAt) / 1000;
      expect((await answers(survivor)).size).toBeGreaterThanOrEqual(2);
      const answering = (await withDiagnosis(eventually(async () => {
        for (const a of await lbAddresses()) if (a !== survivor && a !== cut && (await answersOk(a))) return a;
        return null;
      }, { timeoutMs: 180_000, intervalMs: 500, what: 'a re-placed instance answering' })))!;
      const answeringAfter = (Date.now() - cutAt) / 1000;
      const after = await instancesSettle(2, 180_000);
      const replaced = after.find((a) => a !== survivor)!;
      expect(after).toContain(survivor);
      expect(replaced).not.toBe(cut);
      const replacedAfter = (Date.now() - cutAt) / 1000;
      expect((await answers(replaced)).size).toBeGreaterThanOrEqual(2);
      running = false;
      await loop;
      process.stdout.write(
        `ingress: LB host ${cut} cut: the status lists only the working ${survivor} after ${droppedAfter.toFixed(1)} s; ` +
          `instance re-placed on ${answering}, answering after ${answeringAfter.toFixed(1)} s (host lost after 20 s), both instances listed after ${replacedAfter.toFixed(1)} s; ` +
          `a client of ${survivor} meanwhile: ${survivorLoop.ok} ok, ${survivorLoop.failed} failed (5 s client timeout), the last ${survivorLoop.lastFailureAfter.toFixed(1)} s after the cut\n`,
      );
      // where the time went: the environment's timeline since the cut
      const timeline = ((await admin.get(`/v1/environments/${ENV}/events?tail=200`)).body.items as Array<{ reason: string; message: string; createdAt: string }>)
        .filter((e) => Date.parse(e.createdAt) >= cutAt)
        .map((e) => `  +${((Date.parse(e.createdAt) - cutAt) / 1000).toFixed(1)} s ${e.reason}: ${e.message.slice(0, 160)}`);
      process.stdout.write(`ingress: events since the cut\n${timeline.join('\n')}\n`);
      // only the first seconds, before the checks take the cut host's pods out, may fail
      expect(survivorLoop.lastFailureAfter).toBeLessThan(droppedAfter);
    } finally {
      running = false;
      await loop;
    }
    await harness.restoreLink(victim);
  });
});
