import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStandIns, ControlPlane, httpsRequest, startControlPlane, BIN_DIR, freePort, startProcess, stopAll, waitFor } from '@corral/testing';

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 3000 }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end();
  });
}

const status = (p: Promise<{ status: number }>) => p.then((r) => r.status, () => 0);

jest.setTimeout(90_000);

describe('kube-scheduler, kube-controller-manager and kube-proxy stand-ins', () => {
  let dir: string;
  let cp: ControlPlane;
  let schedulerPort: number;
  let cmPort: number;
  let proxyHealthz: number;

  beforeAll(async () => {
    buildStandIns();
    dir = mkdtempSync(join(tmpdir(), 'kube-components-test-'));
    cp = await startControlPlane(dir);
    const kc = (name: string) => cp.pki.kubeconfig(name, cp.server, cp.pki.issue(name, { cn: `system:${name}`, client: true }));
    schedulerPort = await freePort('127.0.0.4');
    cmPort = await freePort('127.0.0.4');
    proxyHealthz = await freePort('127.0.0.4');
    const schedulerKc = kc('kube-scheduler');
    startProcess(
      join(BIN_DIR, 'kube-scheduler'),
      [`--kubeconfig=${schedulerKc}`, `--authentication-kubeconfig=${schedulerKc}`, `--authorization-kubeconfig=${schedulerKc}`, '--bind-address=127.0.0.4', `--secure-port=${schedulerPort}`, '--leader-elect=true', '--v=2'],
      join(dir, 'scheduler.log'),
    );
    const cmServing = cp.pki.issue('cm-serving', { cn: 'kube-controller-manager', sans: ['127.0.0.4'], server: true });
    const cmKc = kc('kube-controller-manager');
    startProcess(
      join(BIN_DIR, 'kube-controller-manager'),
      [
        `--kubeconfig=${cmKc}`,
        `--authentication-kubeconfig=${cmKc}`,
        `--authorization-kubeconfig=${cmKc}`,
        '--bind-address',
        '127.0.0.4',
        `--secure-port=${cmPort}`,
        '--cluster-cidr=10.42.0.0/16',
        '--cluster-name=test',
        '--service-cluster-ip-range=10.43.0.0/16',
        `--cluster-signing-cert-file=${cp.pki.caCert}`,
        `--cluster-signing-key-file=${cp.pki.caKey}`,
        `--root-ca-file=${cp.pki.caCert}`,
        `--service-account-private-key-file=${join(cp.pki.dir, 'sa.key')}`,
        '--use-service-account-credentials=true',
        '--controllers=*,bootstrapsigner,tokencleaner',
        '--leader-elect=true',
        '--allocate-node-cidrs=true',
        '--node-cidr-mask-size=24',
        `--tls-cert-file=${cmServing.cert}`,
        `--tls-private-key-file=${cmServing.key}`,
        `--client-ca-file=${cp.pki.caCert}`,
        '--node-monitor-period=1s',
        '--node-monitor-grace-period=3s',
        '--v=2',
      ],
      join(dir, 'controller-manager.log'),
    );
    const proxyConfig = join(dir, 'kube-proxy.yaml');
    writeFileSync(
      proxyConfig,
      [
        'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
        'kind: KubeProxyConfiguration',
        `healthzBindAddress: 127.0.0.4:${proxyHealthz}`,
        `metricsBindAddress: 127.0.0.4:${await freePort('127.0.0.4')}`,
        'clusterCIDR: 10.42.0.0/16',
        'mode: iptables',
        'clientConnection:',
        `  kubeconfig: ${kc('kube-proxy')}`,
        '',
      ].join('\n'),
    );
    startProcess(join(BIN_DIR, 'kube-proxy'), [`--config=${proxyConfig}`, '--hostname-override=node-p', '--v=2'], join(dir, 'kube-proxy.log'));
  });

  afterAll(async () => {
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const schedulerHealth = () => status(httpsRequest(`https://127.0.0.4:${schedulerPort}/healthz`, { insecure: true }));
  const cmHealth = () => status(httpsRequest(`https://127.0.0.4:${cmPort}/healthz`, { ca: cp.pki.caCert }));
  const proxyHealth = () => status(httpGet(`http://127.0.0.4:${proxyHealthz}/healthz`));

  it('serve /healthz on their configured addresses and ports', async () => {
    await waitFor('healthy components', async () => (await schedulerHealth()) === 200 && (await cmHealth()) === 200 && (await proxyHealth()) === 200);
    // only health paths are open to anonymous clients
    expect(await status(httpsRequest(`https://127.0.0.4:${schedulerPort}/metrics`, { insecure: true }))).toBe(403);
    const proxy = await httpGet(`http://127.0.0.4:${proxyHealthz}/healthz`);
    expect(JSON.parse(proxy.body)).toMatchObject({ nodeEligible: true });
  });

  it('marks nodes whose kubelet stopped posting status Unknown (controller-manager)', async () => {
    const old = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const created = await cp.api('/api/v1/nodes', 'POST', {
      metadata: { name: 'silent' },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: old, lastTransitionTime: old }] },
    });
    expect(created.status).toBe(201);
    await waitFor('node Unknown', async () => (await cp.api('/api/v1/nodes/silent')).body.status.conditions[0].status === 'Unknown', 10_000);
    expect((await cp.api('/api/v1/nodes/silent')).body.status.conditions[0]).toMatchObject({ reason: 'NodeStatusUnknown' });
  });

  it('report unhealthy while the apiserver is unreachable, and recover', async () => {
    await cp.stopApiserver();
    await waitFor('unhealthy components', async () => (await schedulerHealth()) === 500 && (await cmHealth()) === 500 && (await proxyHealth()) === 503, 15_000, 500);
    await cp.startApiserver();
    await waitFor('healthy again', async () => (await schedulerHealth()) === 200 && (await cmHealth()) === 200 && (await proxyHealth()) === 200, 15_000, 500);
    expect(readFileSync(join(dir, 'scheduler.log'), 'utf8')).toMatch(/apiserver is not reachable/);
  });
});
