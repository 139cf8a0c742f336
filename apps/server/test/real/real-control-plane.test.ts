import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostHarness } from '@corral/test-hosts';
import { eventually, startRealCluster, type InProcessServer, type RealCluster } from '@corral/testing';
import { dumpEncodings, pgDumpSchema } from '../support/pg-dump';

/**
 * Issue 9's end-to-end tier: upstream Kubernetes v1.36.3, etcd 3.6 and containerd 2.2 built from
 * source (tools/kube-build) run by Corral's agents on three network-namespace hosts that can
 * hold real nodes (their own cgroup root, /run and kubelet dirs).
 */
jest.setTimeout(600_000);

const ENV = 'real';
/** the machine image's kubectl package (Google Cloud SDK) ships older clients beside its default one */
const OLD_KUBECTLS = ['1.31', '1.32', '1.33'].map((v) => `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`);

describe('a real control plane and real nodes under Corral (issue 9)', () => {
  let cluster: RealCluster;
  let harness: HostHarness;
  let server: InProcessServer;
  let binDir: string;
  let admin: RealCluster['admin'];
  const kubectlWith = (binary: string, ...args: string[]) => cluster.kubectlWith(cluster.kubeconfigFile, args, { binary, requestTimeout: '15s' });
  const kubectl = (...args: string[]) => kubectlWith(join(binDir, 'kubectl'), ...args);
  const diagnose = () => cluster.diagnose();

  beforeAll(async () => {
    cluster = await startRealCluster({ env: ENV });
    ({ harness, server, binDir, admin } = cluster);
  });
  afterAll(() => cluster?.stop());

  it('3 hosts, 3 etcd members: active on upstream binaries; v1.36.3 everywhere; kubectl 1.31-1.36 work', async () => {
    // the direct (admin certificate) kubeconfig: these tests address each apiserver by its own --server
    const { activeAfterMs } = await cluster.createActive({ kubeconfig: 'direct' });
    process.stdout.write(`real control plane active in ${(activeAfterMs / 1000).toFixed(1)} s\n`);

    const version = JSON.parse(await kubectl('version', '-o', 'json'));
    expect(version.serverVersion.gitVersion).toBe('v1.36.3');
    expect(version.clientVersion.gitVersion).toBe('v1.36.3');
    const readyz = await kubectl('get', '--raw', '/readyz?verbose');
    expect(readyz).toContain('readyz check passed');
    expect(readyz).not.toMatch(/\[-\]/);
    expect(await kubectl('get', 'svc', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.spec.clusterIP}')).toBe('10.43.0.1');

    const nodes = (await eventually(async () => {
      const items = JSON.parse(await kubectl('get', 'nodes', '-o', 'json')).items as any[];
      const ready = items.filter((n) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 3 ? items : null;
    }, { timeoutMs: 120_000, intervalMs: 2000, what: '3 Ready nodes' }))!;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(['node-1', 'node-2', 'node-3']);
    for (const node of nodes) {
      expect(node.status.nodeInfo.kubeletVersion).toBe('v1.36.3');
      expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/2\./);
      expect(node.spec.podCIDR).toMatch(/^10\.42\.\d+\.0\/24$/);
    }

    // objects with every supported client version
    for (const binary of [...OLD_KUBECTLS, join(binDir, 'kubectl')]) {
      if (!existsSync(binary)) throw new Error(`${binary} is missing: the machine image ships kubectl 1.31-1.33 in /usr/lib/google-cloud-sdk/bin (Debian package kubectl)`);
      const tag = binary.endsWith('kubectl') ? '136' : binary.split('.').pop()!.replace('.', '');
      const ns = `client-${tag}`;
      await kubectlWith(binary, 'create', 'namespace', ns);
      await kubectlWith(binary, '-n', ns, 'create', 'configmap', 'settings', '--from-literal=answer=42');
      await kubectlWith(binary, '-n', ns, 'create', 'secret', 'generic', 'token', '--from-literal=value=s3cret');
      await kubectlWith(binary, '-n', ns, 'create', 'role', 'reader', '--verb=get,list', '--resource=configmaps');
      await kubectlWith(binary, '-n', ns, 'create', 'rolebinding', 'reader', '--role=reader', '--user=someone');
      expect(await kubectlWith(binary, '-n', ns, 'get', 'configmap', 'settings', '-o', 'jsonpath={.data.answer}')).toBe('42');
      expect(Buffer.from(await kubectlWith(binary, '-n', ns, 'get', 'secret', 'token', '-o', 'jsonpath={.data.value}'), 'base64').toString()).toBe('s3cret');
      expect(await kubectlWith(binary, '-n', ns, 'get', 'rolebinding', 'reader', '-o', 'jsonpath={.roleRef.name}')).toBe('reader');
    }
    const crdDir = join(harness.workDir, 'crd');
    mkdirSync(crdDir, { recursive: true });
    writeFileSync(join(crdDir, 'crd.yaml'), CRD);
    await kubectl('apply', '-f', join(crdDir, 'crd.yaml'));
    await kubectl('wait', '--for=condition=Established', 'crd/widgets.corral.test', '--timeout=60s');
    writeFileSync(join(crdDir, 'widget.yaml'), WIDGET);
    for (const binary of [...OLD_KUBECTLS, join(binDir, 'kubectl')]) {
      await kubectlWith(binary, 'apply', '-f', join(crdDir, 'widget.yaml'));
      expect(await kubectlWith(binary, 'get', 'widget', 'gizmo', '-n', 'default', '-o', 'jsonpath={.spec.size}')).toBe('3');
    }

    // workloads: the controller-manager makes the ReplicaSet and its pods, the scheduler binds them
    await kubectl('create', 'deployment', 'web', '--image=corral.local/busybox:1.35.0', '--replicas=2', '--', 'httpd', '-f', '-p', '8080');
    await eventually(async () => JSON.parse(await kubectl('get', 'replicasets', '-l', 'app=web', '-o', 'json')).items.length === 1, { timeoutMs: 60_000, what: 'ReplicaSet of web' });
    const pods = (await eventually(async () => {
      const items = JSON.parse(await kubectl('get', 'pods', '-l', 'app=web', '-o', 'json')).items as any[];
      return items.length === 2 && items.every((p) => p.spec.nodeName) ? items : null;
    }, { timeoutMs: 60_000, what: '2 scheduled pods of web' }))!;
    for (const pod of pods) expect(['node-1', 'node-2', 'node-3']).toContain(pod.spec.nodeName);

    const leases = JSON.parse(await kubectl('get', 'leases', '-n', 'kube-system', '-o', 'json')).items as any[];
    for (const name of ['kube-scheduler', 'kube-controller-manager']) {
      const lease = leases.find((l) => l.metadata.name === name);
      // the holder is <the host's OS hostname>_<uuid>, renewed every couple of seconds
      expect(lease?.spec.holderIdentity).toMatch(/_[0-9a-f-]{36}$/);
      expect(Date.now() - Date.parse(lease.spec.renewTime)).toBeLessThan(60_000);
    }
  });

  it.each(['kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'etcd', 'containerd', 'kubelet'])('kill -9 of %s on node-1: recreated, the environment back to active', async (kind) => {
    const host = (await admin.get(`/v1/hosts?environment=${ENV}`)).body.items.find((h: { hostname: string }) => h.hostname === 'node-1');
    const component = (await admin.get(`/v1/hosts/${host.id}`)).body.components.find((c: { kind: string }) => c.kind === kind);
    const pid = component?.observed?.pid as number | undefined;
    expect(pid).toBeGreaterThan(1);
    process.kill(pid!, 'SIGKILL');
    await eventually(async () => {
      const now = (await admin.get(`/v1/hosts/${host.id}`)).body.components.find((c: { kind: string }) => c.kind === kind);
      return now?.observed?.pid && now.observed.pid !== pid && now.observed.healthy;
    }, { timeoutMs: 120_000, intervalMs: 1000, what: `${kind} running again with a new pid` });
    await eventually(async () => (await admin.get(`/v1/environments/${ENV}`)).body.state === 'active', { timeoutMs: 120_000, intervalMs: 1000, what: `${ENV} active after ${kind} was killed` });
    expect(await kubectl('get', 'ns', 'client-136', '-o', 'name')).toBe('namespace/client-136\n');
  });

  it('snapshot, delete a namespace, restore: it is back with the same resourceVersion; a pg_dump holds no key and no Secret', async () => {
    await kubectl('create', 'namespace', 'keep-me');
    const secretValue = `corral-real-${randomBytes(12).toString('hex')}`;
    await kubectl('create', 'secret', 'generic', 'db-password', '-n', 'keep-me', `--from-literal=password=${secretValue}`);
    const version = await kubectl('get', 'namespace', 'keep-me', '-o', 'jsonpath={.metadata.resourceVersion}');
    const requested = await admin.post(`/v1/environments/${ENV}/snapshots`);
    expect(requested.status).toBe(202);
    const snapshot = await eventually(async () => {
      const snap = (await admin.get(`/v1/environments/${ENV}/snapshots/${requested.body.id}`)).body;
      return snap.state === 'completed' ? snap : snap.state === 'failed' ? Promise.reject(new Error(snap.message)) : null;
    }, { timeoutMs: 60_000, what: 'snapshot completed' });
    // the real apiserver stores the Secret in etcd (no encryption provider): the snapshot holds it, the dump must not
    const download = Buffer.from(await (await fetch(`${server.url}/v1/environments/${ENV}/snapshots/${snapshot.id}/data`, { headers: { authorization: `Bearer ${server.adminKey}` } })).arrayBuffer());
    expect(download.includes(secretValue)).toBe(true);
    const dump = await pgDumpSchema(server.config.databaseSchema);
    for (const needle of [...dumpEncodings('PRIVATE KEY'), ...dumpEncodings(secretValue)]) expect(dump.includes(needle)).toBe(false);
    await kubectl('delete', 'namespace', 'keep-me', '--wait=false');
    await eventually(async () => !(await kubectl('get', 'namespaces', '-o', 'name')).includes('namespace/keep-me'), { timeoutMs: 60_000, intervalMs: 1000, what: 'namespace gone' });

    expect((await admin.post(`/v1/environments/${ENV}/restore`, { snapshotId: snapshot.id })).status).toBe(202);
    await eventually(async () => (await admin.get(`/v1/environments/${ENV}/restores`)).body.items[0]?.phase === 'completed', { timeoutMs: 180_000, intervalMs: 1000, what: 'restore completed' }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await diagnose()}`);
    });
    await eventually(async () => (await admin.get(`/v1/environments/${ENV}`)).body.state === 'active', { timeoutMs: 180_000, intervalMs: 1000, what: 'active after restore' });
    const restored = await eventually(async () => {
      try {
        return await kubectl('get', 'namespace', 'keep-me', '-o', 'jsonpath={.metadata.resourceVersion}');
      } catch {
        return null;
      }
    }, { timeoutMs: 60_000, intervalMs: 1000, what: 'namespace keep-me back' });
    expect(restored).toBe(version);
  });

  it('rotates every certificate one component at a time while kubectl get ns keeps answering from the 3 control planes', async () => {
    // containerd and the pod network hold no certificate: they keep their specs
    const certified = `SELECT id, spec_hash FROM components WHERE environment_id = (SELECT id FROM environments WHERE name = $1) AND kind NOT IN ('containerd', 'pod-network')`;
    const hashesBefore = await server.sql<{ id: string; spec_hash: string }>(certified, [ENV]);
    // a client that knows all three apiservers, as an HA load balancer in front of them would
    const servers = harness.hosts.slice(0, 3).map((h) => `https://${h.address}:6443`);
    let requests = 0;
    let failed = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        requests++;
        let answered = false;
        for (const url of servers) {
          try {
            await kubectl('--server', url, '--request-timeout=3s', 'get', 'ns', '-o', 'name');
            answered = true;
            break;
          } catch {
            // the next control plane
          }
        }
        if (!answered) failed++;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      expect((await admin.post(`/v1/environments/${ENV}/rotate-certificates`)).status).toBe(202);
      await eventually(async () => {
        const now = await server.sql<{ id: string; spec_hash: string }>(certified, [ENV]);
        const changed = now.filter((c) => hashesBefore.find((b) => b.id === c.id)?.spec_hash !== c.spec_hash);
        return changed.length === hashesBefore.length && (await admin.get(`/v1/environments/${ENV}`)).body.state === 'active';
      }, { timeoutMs: 420_000, intervalMs: 2000, what: 'every certificate-bearing component rolled and active' }).catch(async (err) => {
        throw new Error(`${(err as Error).message}\n${await diagnose()}`);
      });
    } finally {
      polling = false;
      await poll;
    }
    process.stdout.write(`certificate rotation: ${requests} kubectl get ns, ${failed} failed on all 3 control planes\n`);
    expect(requests).toBeGreaterThan(20);
    expect(failed).toBe(0);
  });

  it('a cut etcd host: its member is replaced on a spare host, every object intact', async () => {
    const spare = await harness.addHost();
    const token = (await admin.post(`/v1/environments/${ENV}/registration-tokens`, { maxUses: 1 })).body.token;
    cluster.startAgent(spare, token, { hostname: 'node-4' });
    await eventually(async () => (await admin.get(`/v1/environments/${ENV}`)).body.state === 'active' && (await admin.get(`/v1/hosts?environment=${ENV}`)).body.items.length === 4, { timeoutMs: 180_000, intervalMs: 1000, what: 'node-4 joined, active' });
    const objects = async (...server: string[]) =>
      (await kubectl(...server, 'get', 'namespaces,configmaps,secrets,roles,rolebindings,widgets', '-A', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}'))
        .split('\n')
        .filter((l) => l.includes('client-') || l.startsWith('Widget/'))
        .sort();
    const before = await objects();
    expect(before.length).toBeGreaterThan(10);

    await harness.cutLink(0); // node-1: etcd, control plane
    const node4 = (await admin.get(`/v1/hosts?environment=${ENV}`)).body.items.find((h: { hostname: string }) => h.hostname === 'node-4');
    await eventually(async () => {
      const view = (await admin.get(`/v1/hosts/${node4.id}`)).body;
      return view.components.some((c: any) => c.kind === 'etcd' && c.observed?.healthy) && (await admin.get(`/v1/environments/${ENV}`)).body.state !== 'provisioning';
    }, { timeoutMs: 300_000, intervalMs: 2000, what: 'an etcd member running healthy on node-4' }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await diagnose()}`);
    });
    const after = await eventually(async () => {
      try {
        return await objects('--server', `https://${harness.hosts[1].address}:6443`);
      } catch {
        return null;
      }
    }, { timeoutMs: 60_000, intervalMs: 1000, what: 'objects readable after the replacement' });
    expect(after).toEqual(before);
    await harness.restoreLink(0);
  });
});

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.corral.test
spec:
  group: corral.test
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer }
`;

const WIDGET = `apiVersion: corral.test/v1
kind: Widget
metadata: { name: gizmo, namespace: default }
spec: { size: 3 }
`;
