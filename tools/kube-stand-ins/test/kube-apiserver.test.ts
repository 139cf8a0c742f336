import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { createTestPki, TestPki, BIN_DIR, EtcdInstance, freePort, Managed, REPO_ROOT, startEtcd, startProcess, stopAll, waitFor, httpsRequest as httpsGet } from '@corral/testing';

const run = promisify(execFile);


jest.setTimeout(90_000);

describe('kube-apiserver stand-in against real etcd', () => {
  let dir: string;
  let pki: TestPki;
  let etcd: EtcdInstance;
  let etcdPorts: { client: number; peer: number };
  let apiserver: Managed;
  let port: number;
  let kubeconfig: string;
  let etcdClient: { cert: string; key: string };
  let admin: { cert: string; key: string };
  let apiserverArgs: string[];

  const server = () => `https://127.0.0.1:${port}`;
  const kubectl = async (...args: string[]) => {
    const { stdout } = await run('/usr/bin/kubectl', [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'kubectl-cache')}`, ...args], { timeout: 20_000 });
    return stdout;
  };
  const adminGet = (path: string, method = 'GET', body?: unknown) => httpsGet(server() + path, { ca: pki.caCert, ...admin }, method, body);
  const startApiserver = async () => {
    apiserver = startProcess(join(BIN_DIR, 'kube-apiserver'), apiserverArgs, join(dir, 'apiserver.log'));
    await waitFor('apiserver ready', async () => (await httpsGet(`${server()}/readyz`, { ca: pki.caCert })).status === 200);
  };

  beforeAll(async () => {
    execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'swc'), ['tools/kube-stand-ins', '--config-file', '.swcrc', '--out-dir', 'dist', '--quiet'], { cwd: REPO_ROOT });
    dir = mkdtempSync(join(tmpdir(), 'kube-apiserver-test-'));
    pki = createTestPki(join(dir, 'pki'));
    const etcdServer = pki.issue('etcd-server', { cn: 'etcd', sans: ['127.0.0.1', 'localhost'], server: true, client: true });
    etcdClient = pki.issue('etcd-client', { cn: 'kube-apiserver-etcd-client', client: true });
    const serving = pki.issue('apiserver', { cn: 'kube-apiserver', sans: ['127.0.0.1', 'localhost', 'kubernetes.default.svc'], server: true });
    admin = pki.issue('admin', { cn: 'admin', org: 'system:masters', client: true });
    const sa = pki.issue('sa', { cn: 'service-accounts' });
    etcdPorts = { client: await freePort(), peer: await freePort() };
    etcd = await startEtcd(dir, { ca: pki.caCert, ...etcdServer }, undefined, etcdPorts);
    await waitFor('etcd', async () => (await httpsGet(`${etcd.url}/health`, { ca: pki.caCert, ...etcdClient })).status === 200);
    port = await freePort();
    kubeconfig = pki.kubeconfig('admin', server(), admin);
    apiserverArgs = [
      '--advertise-address=127.0.0.1',
      '--bind-address=127.0.0.1',
      '--secure-port',
      String(port),
      `--etcd-servers=${etcd.url}`,
      `--etcd-cafile=${pki.caCert}`,
      `--etcd-certfile=${etcdClient.cert}`,
      `--etcd-keyfile=${etcdClient.key}`,
      `--client-ca-file=${pki.caCert}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      '--service-cluster-ip-range=10.43.0.0/16',
      `--service-account-key-file=${sa.cert}`,
      `--service-account-signing-key-file=${sa.key}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      '--anonymous-auth=true',
      '--profiling=false',
      '--v=2',
    ];
    await startApiserver();
  });

  afterAll(async () => {
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('works with the real kubectl', async () => {
    expect(await kubectl('version')).toMatch(/Server Version: v1\.36/);
    await kubectl('get', 'nodes');
    expect(await kubectl('create', 'namespace', 'team-a')).toContain('namespace/team-a created');
    const list = await kubectl('get', 'namespaces');
    for (const ns of ['default', 'kube-system', 'team-a']) expect(list).toMatch(new RegExp(`^${ns}\\s+Active`, 'm'));
    const yaml = await kubectl('get', 'ns', 'team-a', '-o', 'yaml');
    expect(yaml).toMatch(/name: team-a/);
    expect(yaml).toMatch(/resourceVersion: "\d+"/);
    expect(yaml).toMatch(/phase: Active/);
    expect(await kubectl('delete', 'ns', 'team-a')).toContain('namespace "team-a" deleted');
    await expect(kubectl('get', 'ns', 'team-a')).rejects.toThrow(/NotFound|not found/);
  });

  it('authenticates client certificates and limits anonymous users to health and version', async () => {
    expect((await httpsGet(`${server()}/healthz`, { ca: pki.caCert })).status).toBe(200);
    expect((await httpsGet(`${server()}/version`, { ca: pki.caCert })).status).toBe(200);
    const anon = await httpsGet(`${server()}/api/v1/namespaces`, { ca: pki.caCert });
    expect(anon.status).toBe(403);
    expect(JSON.parse(anon.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    const other = createTestPki(join(dir, 'other-pki'));
    const stranger = other.issue('stranger', { cn: 'stranger', client: true });
    expect((await httpsGet(`${server()}/api/v1/namespaces`, { ca: pki.caCert, ...stranger })).status).toBe(401);
    expect((await adminGet('/api/v1/namespaces')).status).toBe(200);
  });

  it('returns Kubernetes Status objects for 404 and 409, and honours selectors', async () => {
    const missing = await adminGet('/api/v1/namespaces/default/configmaps/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, details: { name: 'nope', kind: 'configmaps' } });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sel-a', labels: { app: 'a', tier: 'x' } }, data: { k: 'v' } };
    const created = await adminGet('/api/v1/namespaces/default/configmaps', 'POST', cm);
    expect(created.status).toBe(201);
    expect((await adminGet('/api/v1/namespaces/default/configmaps', 'POST', cm)).status).toBe(409);
    await adminGet('/api/v1/namespaces/default/configmaps', 'POST', { ...cm, metadata: { name: 'sel-b', labels: { app: 'b' } } });
    const byLabel = JSON.parse((await adminGet('/api/v1/configmaps?labelSelector=app%20in%20(a),tier')).body);
    expect(byLabel.items.map((i: k8s.V1ConfigMap) => i.metadata!.name)).toEqual(['sel-a']);
    const byName = JSON.parse((await adminGet('/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dsel-b')).body);
    expect(byName.items.map((i: k8s.V1ConfigMap) => i.metadata!.name)).toEqual(['sel-b']);
    // a stale resourceVersion on update is a 409 Conflict
    const first = JSON.parse(created.body);
    await adminGet('/api/v1/namespaces/default/configmaps/sel-a', 'PUT', { ...first, data: { k: 'v2' } });
    const stale = await adminGet('/api/v1/namespaces/default/configmaps/sel-a', 'PUT', { ...first, data: { k: 'v3' } });
    expect(stale.status).toBe(409);
    expect(JSON.parse(stale.body).reason).toBe('Conflict');
  });

  it('supports kubectl apply, patch types, the status subresource and paginated lists', async () => {
    const manifest = join(dir, 'applied.yaml');
    writeFileSync(manifest, 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: default\nspec:\n  rules:\n  - host: a.example\n');
    expect(await kubectl('apply', '-f', manifest)).toContain('ingress.networking.k8s.io/web created');
    writeFileSync(manifest, 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: default\nspec:\n  rules:\n  - host: b.example\n');
    expect(await kubectl('apply', '-f', manifest)).toContain('configured');
    const ing = JSON.parse((await adminGet('/apis/networking.k8s.io/v1/namespaces/default/ingresses/web')).body);
    expect(ing.spec.rules[0].host).toBe('b.example');
    expect(ing.metadata.generation).toBe(2);

    const patch = (path: string, contentType: string, body: unknown) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = request(server() + path, { method: 'PATCH', ca: readFileSync(pki.caCert), cert: readFileSync(admin.cert), key: readFileSync(admin.key), headers: { 'Content-Type': contentType } }, (res) => {
          let data = '';
          res.on('data', (c) => (data += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    const merged = await patch('/apis/networking.k8s.io/v1/namespaces/default/ingresses/web', 'application/merge-patch+json', { metadata: { labels: { team: 'a' } } });
    expect(merged.status).toBe(200);
    expect(merged.body.metadata.labels).toEqual({ team: 'a' });
    const jsonPatched = await patch('/apis/networking.k8s.io/v1/namespaces/default/ingresses/web', 'application/json-patch+json', [{ op: 'replace', path: '/metadata/labels/team', value: 'b' }]);
    expect(jsonPatched.body.metadata.labels).toEqual({ team: 'b' });
    // status changes go through /status only
    const ignored = await patch('/apis/networking.k8s.io/v1/namespaces/default/ingresses/web', 'application/merge-patch+json', { status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } });
    expect(ignored.body.status).toEqual({ loadBalancer: {} });
    const viaStatus = await patch('/apis/networking.k8s.io/v1/namespaces/default/ingresses/web/status', 'application/strategic-merge-patch+json', { status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } });
    expect(viaStatus.body.status.loadBalancer.ingress).toEqual([{ ip: '10.0.0.1' }]);
    expect(viaStatus.body.metadata.generation).toBe(2);

    for (let i = 0; i < 5; i++) await adminGet('/api/v1/namespaces/default/secrets', 'POST', { metadata: { name: `page-${i}` }, stringData: {} });
    const names: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = JSON.parse((await adminGet(`/api/v1/namespaces/default/secrets?limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`)).body);
      names.push(...page.items.map((s: k8s.V1Secret) => s.metadata!.name));
      token = page.metadata.continue ?? '';
      pages++;
    } while (token && pages < 10);
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expect(pages).toBe(3);
  });

  it('reports objects entering and leaving a label selector as ADDED and DELETED', async () => {
    const list = JSON.parse((await adminGet('/api/v1/namespaces/default/configmaps')).body);
    const rv = list.metadata.resourceVersion;
    const created = JSON.parse((await adminGet('/api/v1/namespaces/default/configmaps', 'POST', { metadata: { name: 'moving', labels: { stage: 'a' } } })).body);
    const moved = JSON.parse((await adminGet('/api/v1/namespaces/default/configmaps/moving', 'PUT', { ...created, metadata: { ...created.metadata, labels: { stage: 'b' } } })).body);
    await adminGet('/api/v1/namespaces/default/configmaps/moving', 'PUT', { ...moved, metadata: { ...moved.metadata, labels: { stage: 'a' } } });
    const watch = await adminGet(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&labelSelector=stage%3Da&timeoutSeconds=3`);
    const events = watch.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e: { type: string; object: k8s.V1ConfigMap }) => `${e.type}:${e.object.metadata!.labels!.stage}`)).toEqual(['ADDED:a', 'DELETED:a', 'ADDED:a']);
  });

  it('serves @kubernetes/client-node list, create and watch informers', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata!.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
    await core.createNamespace({ body: { metadata: { name: 'informed' } } });

    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/informed/configmaps', () => core.listNamespacedConfigMap({ namespace: 'informed' }));
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add:${o.metadata!.name}`));
    informer.on('update', (o) => seen.push(`update:${o.metadata!.name}:${(o as k8s.V1ConfigMap).data?.k}`));
    informer.on('delete', (o) => seen.push(`delete:${o.metadata!.name}`));
    informer.on('error', (e) => seen.push(`error:${String(e)}`));
    await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'before' }, data: { k: '0' } } });
    await informer.start();
    try {
      await waitFor('initial list', async () => seen.includes('add:before'));
      const cm = await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'live' }, data: { k: '1' } } });
      await waitFor('add event', async () => seen.includes('add:live'));
      await core.replaceNamespacedConfigMap({ name: 'live', namespace: 'informed', body: { ...cm, data: { k: '2' } } });
      await waitFor('update event', async () => seen.includes('update:live:2'));
      await core.deleteNamespacedConfigMap({ name: 'live', namespace: 'informed' });
      await waitFor('delete event', async () => seen.includes('delete:live'));
      expect(informer.list().map((o) => o.metadata!.name)).toEqual(['before']);
      expect(seen.filter((s) => s.startsWith('error'))).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('answers a watch from a compacted resourceVersion with 410 Expired', async () => {
    const cm = JSON.parse((await adminGet('/api/v1/namespaces/default/configmaps', 'POST', { metadata: { name: 'old-rv' } })).body);
    const oldRv = Number(cm.metadata.resourceVersion);
    await adminGet('/api/v1/namespaces/default/configmaps/old-rv', 'PUT', { ...cm, data: { x: '1' } });
    const latest = JSON.parse((await adminGet('/api/v1/namespaces/default/configmaps/old-rv')).body);
    const compact = await httpsGet(`${etcd.url}/v3/kv/compaction`, { ca: pki.caCert, ...etcdClient }, 'POST', { revision: latest.metadata.resourceVersion, physical: true });
    expect(compact.status).toBe(200);
    const watch = await adminGet(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${oldRv - 1}&timeoutSeconds=2`);
    expect(watch.status).toBe(200);
    const events = watch.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('keeps objects across an apiserver restart', async () => {
    await adminGet('/api/v1/namespaces/default/configmaps', 'POST', { metadata: { name: 'durable' }, data: { k: 'kept' } });
    await apiserver.stop();
    await startApiserver();
    const got = await adminGet('/api/v1/namespaces/default/configmaps/durable');
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body).data).toEqual({ k: 'kept' });
  });

  it('is not ready while etcd is unreachable, and recovers', async () => {
    await etcd.managed.stop();
    await waitFor('readyz failing', async () => (await httpsGet(`${server()}/readyz`, { ca: pki.caCert })).status === 500, 15_000);
    const verbose = await httpsGet(`${server()}/readyz?verbose`, { ca: pki.caCert });
    expect(verbose.body).toContain('[-]etcd failed');
    expect((await httpsGet(`${server()}/livez`, { ca: pki.caCert })).status).toBe(200);
    const etcdServer = { cert: join(pki.dir, 'etcd-server.crt'), key: join(pki.dir, 'etcd-server.key') };
    etcd = await startEtcd(dir, { ca: pki.caCert, ...etcdServer }, etcd.dataDir, etcdPorts);
    await waitFor('readyz recovering', async () => (await httpsGet(`${server()}/readyz`, { ca: pki.caCert })).status === 200, 20_000);
  });
});
