import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildStandIns, ControlPlane, httpsRequest, startControlPlane, BIN_DIR, freePort, Managed, startProcess, stopAll, waitFor } from '@corral/testing';

const run = promisify(execFile);

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

interface NodeCondition {
  type: string;
  status: string;
  lastHeartbeatTime: string;
}

jest.setTimeout(90_000);

describe('kubelet stand-in', () => {
  let dir: string;
  let cp: ControlPlane;

  beforeAll(async () => {
    buildStandIns();
    dir = mkdtempSync(join(tmpdir(), 'kubelet-test-'));
    cp = await startControlPlane(dir);
  });

  afterAll(async () => {
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startKubelet(name: string, address: string): Promise<{ proc: Managed; healthzPort: number; port: number }> {
    const client = cp.pki.issue(`kubelet-${name}`, { cn: `system:node:${name}`, org: 'system:nodes', client: true });
    const kubeconfig = cp.pki.kubeconfig(`kubelet-${name}`, cp.server, client);
    const healthzPort = await freePort(address);
    const port = await freePort(address);
    const config = join(dir, `${name}-config.yaml`);
    writeFileSync(
      config,
      [
        'apiVersion: kubelet.config.k8s.io/v1beta1',
        'kind: KubeletConfiguration',
        `address: ${address}`,
        `port: ${port}`,
        `healthzBindAddress: ${address}`,
        `healthzPort: ${healthzPort}`,
        'clusterDNS: [10.43.0.10]',
        'clusterDomain: cluster.local',
        'nodeStatusUpdateFrequency: 1s',
        'authentication:',
        '  x509:',
        `    clientCAFile: ${cp.pki.caCert}`,
        '',
      ].join('\n'),
    );
    const proc = startProcess(
      join(BIN_DIR, 'kubelet'),
      [
        `--kubeconfig=${kubeconfig}`,
        '--config',
        config,
        `--hostname-override=${name}`,
        `--node-ip=${address}`,
        `--root-dir=${join(dir, name)}`,
        '--container-runtime-endpoint=unix:///run/containerd/containerd.sock',
        '--register-node=true',
        '--node-labels=node-role.kubernetes.io/worker=',
        '--v=2',
      ],
      join(dir, `${name}.log`),
    );
    return { proc, healthzPort, port };
  }

  it('registers a Ready node and keeps its heartbeat fresh', async () => {
    const a = await startKubelet('node-a', '127.0.0.2');
    const b = await startKubelet('node-b', '127.0.0.3');
    await waitFor('healthz of node-a', async () => (await httpGet(`http://127.0.0.2:${a.healthzPort}/healthz`)).body === 'ok');
    await waitFor('healthz of node-b', async () => (await httpGet(`http://127.0.0.3:${b.healthzPort}/healthz`)).status === 200);
    // the https server honours the configured address too
    expect((await httpsRequest(`https://127.0.0.2:${a.port}/healthz`, { insecure: true })).body).toBe('ok');

    const ready = async (name: string) => {
      const node = await cp.api(`/api/v1/nodes/${name}`);
      return node.status === 200 && (node.body.status.conditions as NodeCondition[]).some((c) => c.type === 'Ready' && c.status === 'True');
    };
    await waitFor('nodes ready', async () => (await ready('node-a')) && (await ready('node-b')));
    const node = (await cp.api('/api/v1/nodes/node-a')).body;
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.2' });
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'node-a', 'node-role.kubernetes.io/worker': '' });
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(a.port);

    const heartbeat = async () => ((await cp.api('/api/v1/nodes/node-a')).body.status.conditions as NodeCondition[]).find((c) => c.type === 'Ready')!.lastHeartbeatTime;
    const first = await heartbeat();
    await waitFor('a newer heartbeat', async () => (await heartbeat()) > first, 5000);

    const { stdout } = await run('/usr/bin/kubectl', [`--kubeconfig=${cp.adminKubeconfig}`, `--cache-dir=${join(dir, 'kc')}`, 'get', 'nodes'], { timeout: 20_000 });
    expect(stdout).toMatch(/^node-a\s+Ready\s+worker\s+\S+\s+v1\.36/m);
    expect(stdout).toMatch(/^node-b\s+Ready/m);

    // a deleted Node is registered again
    await cp.api('/api/v1/nodes/node-b', 'DELETE');
    await waitFor('node-b re-registered', () => ready('node-b'), 10_000);

    await a.proc.stop();
    expect(await a.proc.exited).toBe(0);
  });

  it('exits non-zero on an unknown flag or a missing file', async () => {
    const unknown = startProcess(join(BIN_DIR, 'kubelet'), ['--no-such-flag=1'], join(dir, 'bad1.log'));
    expect(await unknown.exited).toBe(1);
    const missing = startProcess(join(BIN_DIR, 'kubelet'), ['--config=/nonexistent/kubelet.yaml'], join(dir, 'bad2.log'));
    expect(await missing.exited).toBe(1);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, 'bad1.log'), 'utf8')).toContain('unknown flag: --no-such-flag');
    expect(readFileSync(join(dir, 'bad2.log'), 'utf8')).toContain('no such file or directory');
  });
});
