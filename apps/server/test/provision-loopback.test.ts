import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient, createActiveEnvironment } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';
import { processesUnder, startLocalAgents } from './support/local-agents';
import { runKubectl } from './support/kubectl';

jest.setTimeout(240_000);

describe('provisioning a 3-host environment with real etcd and the Kubernetes stand-ins (loopback hosts)', () => {
  let server: TestServer;
  let agents: ReturnType<typeof startLocalAgents>;

  beforeAll(async () => {
    // a probe timing other than the default, to see the setting reach every component
    server = await startTestServer(isolatedConfig({ CORRAL_PROBE_FAILURE_THRESHOLD: '4' }));
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.close();
  });

  it('reaches active; kubectl and client-node work with the downloaded kubeconfig; deleting leaves nothing behind', async () => {
    const admin = apiClient(server.url, server.adminKey);
    const env = await createActiveEnvironment(admin, {
      name: 'e2e',
      etcdMembers: 3,
      startAgents: (token) => (agents = startLocalAgents(3, { server: server.url, token })),
      diagnose: async () => {
        const hosts = await Promise.all((await admin.get('/v1/hosts?environment=e2e')).body.items.map(async (h: any) => (await admin.get(`/v1/hosts/${h.id}`)).body));
        return JSON.stringify(hosts.map((h) => h.components.map((c: any) => [h.hostname, c.name, c.observed?.phase, c.observed?.message, c.observed?.lastLogLines?.slice(-3)])), null, 1);
      },
    });

    const view = (await admin.get('/v1/environments/e2e')).body;
    expect(view.conditions).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'EtcdReady', status: 'True' }),
      expect.objectContaining({ type: 'ControlPlaneReady', status: 'True' }),
      expect.objectContaining({ type: 'WorkersReady', status: 'True' }),
      expect.objectContaining({ type: 'IngressReady', status: 'True' }),
    ]));
    expect(Date.parse(view.certificatesExpireAt)).toBeGreaterThan(Date.now() + 300 * 86400_000);
    const probes = await server.sql<{ kind: string; probe: { intervalSeconds: number; failureThreshold: number } }>(`SELECT kind, spec->'probe' AS probe FROM components`);
    expect(probes).toHaveLength(28); // 9 components on each of the 3 hosts and one ingress controller
    for (const { kind, probe } of probes) expect(probe).toMatchObject({ intervalSeconds: 2, failureThreshold: kind === 'kube-apiserver' ? 8 : 4 });

    const kubeconfig = await admin.get('/v1/environments/e2e/kubeconfig');
    expect(kubeconfig.status).toBe(200);
    expect(kubeconfig.headers.get('content-type')).toContain('yaml');
    const kcFile = join(agents.root, 'e2e.kubeconfig');
    writeFileSync(kcFile, kubeconfig.body, { mode: 0o600 });
    expect(kubeconfig.body).toContain(`server: ${server.url}/k8s/environments/e2e`);
    const kubectl = (...args: string[]) => runKubectl(kcFile, args);

    expect(await kubectl('version', '-o', 'json')).toContain('serverVersion');
    const nodes = await eventually(async () => {
      const list = JSON.parse(await kubectl('get', 'nodes', '-o', 'json'));
      const ready = list.items.filter((n: any) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 3 ? list.items.map((n: any) => n.metadata.name).sort() : null;
    }, { timeoutMs: 30_000, what: '3 Ready nodes' });
    expect(nodes).toEqual(['node-1', 'node-2', 'node-3']);
    await kubectl('create', 'namespace', 'corral-e2e');
    expect(await kubectl('get', 'namespaces', '-o', 'name')).toContain('namespace/corral-e2e');

    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfig.body);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain('corral-e2e');

    // components listen on their host's address only, so three hosts share one machine
    const listeners = execFileSync('ss', ['-ltnH'], { encoding: 'utf8' });
    for (const a of agents.agents) expect(listeners).toContain(`${a.address}:6443`);
    expect(listeners).not.toMatch(/(0\.0\.0\.0|\*):6443\b/);

    expect((await admin.delete('/v1/environments/e2e')).status).toBe(202);
    await eventually(async () => (await admin.get(`/v1/environments/${env.id}`)).status === 404, { timeoutMs: 60_000, what: 'deletion' });
    for (const a of agents.agents) {
      const components = join(a.stateDir, 'components');
      const data = join(a.stateDir, 'data');
      expect(existsSync(components) ? readdirSync(components) : []).toEqual([]);
      expect(existsSync(data) ? readdirSync(data) : []).toEqual([]);
    }
    const left = processesUnder(agents.root).filter((line) => !line.includes('corral-agent') && !line.includes('apps/agent'));
    expect(left).toEqual([]);
    expect(await server.sql('SELECT id FROM components')).toEqual([]);
    expect(await server.sql('SELECT host_id FROM component_statuses')).toEqual([]);
    // kept as deleted (with its snapshots) for CORRAL_DELETED_RETENTION, holding no secret
    expect(await server.sql(`SELECT state, secrets_encrypted FROM environments`)).toEqual([{ state: 'deleted', secrets_encrypted: null }]);
    expect((await server.sql<{ environment_id: string | null }>('SELECT environment_id FROM hosts')).every((h) => h.environment_id === null)).toBe(true);
  });
});
