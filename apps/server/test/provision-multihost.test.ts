import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostHarness, HostProcess, STAND_IN_BIN, agentArgv } from '@corral/test-hosts';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';

jest.setTimeout(240_000);

describe('provisioning across network-namespace hosts (issue 4)', () => {
  let harness: HostHarness;
  let server: TestServer;
  const agents: HostProcess[] = [];

  beforeAll(async () => {
    harness = await HostHarness.create({ count: 3 });
    server = await startTestServer(isolatedConfig({ CORRAL_BIND_ADDRESS: '0.0.0.0' }));
  });
  afterAll(async () => {
    await harness?.destroy().catch(() => undefined);
    await server?.close();
  });

  it('3 hosts, 3 etcd members: active; kubectl and client-node from the machine; deletion leaves no process, file or row', async () => {
    const admin = apiClient(server.url, server.adminKey);
    const serverUrl = server.urlAt(harness.serverAddress);
    const env = (await admin.post('/v1/environments', { name: 'netns', etcd: { members: 3 } })).body;
    const token = (await admin.post('/v1/environments/netns/registration-tokens', { maxUses: 3 })).body.token;
    harness.hosts.forEach((host, i) => {
      agents.push(harness.startProcess(host, agentArgv(host, { server: serverUrl, token, binDir: STAND_IN_BIN, hostname: `node-${i + 1}` }), { name: 'agent' }));
    });

    await eventually(async () => (await admin.get('/v1/environments/netns')).body.state === 'active', { timeoutMs: 120_000, intervalMs: 500, what: 'netns active' });

    const kubeconfig = (await admin.get('/v1/environments/netns/kubeconfig?endpoint=direct')).body as string;
    const apiserver = /server: https:\/\/([0-9.]+):6443/.exec(kubeconfig)?.[1];
    expect(harness.hosts.map((h) => h.address)).toContain(apiserver);
    const kcFile = join(harness.workDir, 'netns.kubeconfig');
    writeFileSync(kcFile, kubeconfig, { mode: 0o600 });
    const kubectl = (...args: string[]) => execFileSync('kubectl', ['--kubeconfig', kcFile, '--request-timeout=10s', ...args], { encoding: 'utf8' });
    expect(kubectl('version', '-o', 'json')).toContain('serverVersion');
    const ready = await eventually(async () => {
      const nodes = JSON.parse(kubectl('get', 'nodes', '-o', 'json')).items;
      const names = nodes.filter((n: any) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True')).map((n: any) => n.metadata.name).sort();
      return names.length === 3 ? names : null;
    }, { timeoutMs: 30_000, what: '3 Ready nodes' });
    expect(ready).toEqual(['node-1', 'node-2', 'node-3']);
    kubectl('create', 'namespace', 'from-the-machine');
    expect(kubectl('get', 'namespaces', '-o', 'name')).toContain('namespace/from-the-machine');
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfig);
    expect((await kc.makeApiClient(k8s.CoreV1Api).listNode()).items).toHaveLength(3);

    expect((await admin.delete('/v1/environments/netns')).status).toBe(202);
    await eventually(async () => (await admin.get(`/v1/environments/${env.id}`)).status === 404, { timeoutMs: 60_000, what: 'deletion' });
    for (const [i, host] of harness.hosts.entries()) {
      for (const dir of ['components', 'data']) {
        const path = join(host.stateDir, dir);
        expect(existsSync(path) ? readdirSync(path) : []).toEqual([]);
      }
      // only the agent is left in the host
      const pids = (await harness.pids(i)).filter((pid) => pid !== agents[i].pid);
      expect(pids).toEqual([]);
    }
    expect(await server.sql('SELECT id FROM components')).toEqual([]);
    expect(await server.sql('SELECT host_id FROM component_statuses')).toEqual([]);
    // kept as deleted (with its snapshots) for CORRAL_DELETED_RETENTION, holding no secret
    expect(await server.sql(`SELECT state, secrets_encrypted FROM environments`)).toEqual([{ state: 'deleted', secrets_encrypted: null }]);
  });
});
