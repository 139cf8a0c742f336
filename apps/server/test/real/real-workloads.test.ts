import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostHarness, HostProcess } from '@corral/test-hosts';
import { buildCorralImages, buildImage } from '@corral/images';
import { eventually, startRealCluster, type InProcessServer, type RealCluster } from '@corral/testing';

/**
 * Issue 10's end-to-end tier: every worker is a real node (containerd, kubelet, kube-proxy,
 * Corral's host-gw pod network) on three network-namespace node hosts; images come from Corral
 * (no registry); pods run, talk across hosts, reach Services and the API.
 */
const execFileAsync = promisify(execFile);

jest.setTimeout(900_000);

const ENV = 'pods';
const BUSYBOX = 'corral.local/busybox:1.35.0';

describe('real nodes that run pods (issue 10)', () => {
  let cluster: RealCluster;
  let harness: HostHarness;
  let server: InProcessServer;
  let binDir: string;
  let kubeconfigFile: string;
  let agents: HostProcess[];
  let admin: RealCluster['admin'];
  const kubectl = (...args: string[]) => cluster.kubectl(...args);
  const kubectlJson = (...args: string[]) => cluster.kubectlJson(...args);
  const withDiagnosis = <T>(p: Promise<T>) => cluster.withDiagnosis(p);
  const hostOfNode = (node: string) => harness.hosts[Number(node.replace('node-', '')) - 1]!;

  beforeAll(async () => {
    cluster = await startRealCluster({
      env: ENV,
      images: (outDir) => buildCorralImages({ outDir }),
      serverEnv: { CORRAL_HOST_DISCONNECTED_AFTER: '5s', CORRAL_HOST_LOST_AFTER: '20s' },
      agentArgs: ['--heartbeat-interval', '1s'],
    });
    ({ harness, server, binDir, kubeconfigFile, agents, admin } = cluster);
  });
  afterAll(() => cluster?.stop());

  it('3 real nodes Ready with their pod CIDRs, Corral\'s images on every node, no pod in error', async () => {
    await cluster.createActive({ tokenUses: 4 });

    const nodes = (await withDiagnosis(
      eventually(async () => {
        const items = (await kubectlJson('get', 'nodes')).items as any[];
        const ready = items.filter((n) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True') && n.spec.podCIDR);
        const imaged = ready.filter((n) => (n.status.images ?? []).some((i: any) => i.names.includes(BUSYBOX)));
        return imaged.length === 3 ? items : null;
      }, { timeoutMs: 180_000, intervalMs: 2000, what: '3 Ready nodes with a pod CIDR and the busybox image' }),
    ))!;
    const cidrs = nodes.map((n) => n.spec.podCIDR);
    expect(new Set(cidrs).size).toBe(3);
    for (const cidr of cidrs) expect(cidr).toMatch(/^10\.42\.\d+\.0\/24$/);
    for (const node of nodes) expect(node.status.images.flatMap((i: any) => i.names)).toEqual(expect.arrayContaining([BUSYBOX, 'corral.local/pause:3.10']));
    const bad = ((await kubectlJson('get', 'pods', '-A')).items as any[]).filter((p) => !['Running', 'Succeeded'].includes(p.status.phase));
    expect(bad.map((p) => `${p.metadata.namespace}/${p.metadata.name} ${p.status.phase}`)).toEqual([]);
  });

  it('a 3-replica Deployment spreads over the 3 hosts; its ClusterIP Service answers from every host and every pod, from pods on 2+ hosts', async () => {
    await kubectl(
      'create', 'deployment', 'hello', `--image=${BUSYBOX}`, '--replicas=3', '--',
      'sh', '-c', 'mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www',
    );
    // leave an unreachable node after 15 s instead of the default 300 s, so the failover below is quick
    const tolerations = ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 15 }));
    // one replica per host, counting only this revision's pods (the patch rolls the Deployment); a cut (tainted) node is no place to balance against
    const topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'hello' } }, matchLabelKeys: ['pod-template-hash'], nodeTaintsPolicy: 'Honor' }];
    await kubectl('patch', 'deployment', 'hello', '--type', 'merge', '-p', JSON.stringify({ spec: { template: { spec: { tolerations, topologySpreadConstraints } } } }));
    await kubectl('expose', 'deployment', 'hello', '--port', '80', '--target-port', '8080');
    await withDiagnosis(eventually(async () => (await kubectlJson('get', 'deployment', 'hello')).status.availableReplicas === 3, { timeoutMs: 180_000, intervalMs: 2000, what: 'hello available' }));
    // the tolerations patch rolled the Deployment: wait until only the new ReplicaSet's pods are left
    await kubectl('rollout', 'status', 'deployment/hello', '--timeout=180s');
    await eventually(async () => ((await kubectlJson('get', 'pods', '-l', 'app=hello')).items as any[]).length === 3, { timeoutMs: 120_000, intervalMs: 1000, what: 'old hello pods gone' });
    const pods = (await kubectlJson('get', 'pods', '-l', 'app=hello')).items as any[];
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(3);
    const podNode = new Map(pods.map((p) => [p.metadata.name, p.spec.nodeName]));
    const clusterIp = await kubectl('get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}');

    for (let i = 0; i < 3; i++) {
      const answer = await eventually(async () => {
        const r = await harness.exec(i, ['wget', '-qO-', '-T', '3', `http://${clusterIp}/`], { timeoutMs: 10_000 });
        return r.code === 0 ? r.stdout.trim() : null;
      }, { timeoutMs: 30_000, what: `Service from host ${i}` });
      expect(podNode.has(answer!)).toBe(true);
    }
    const answeredBy = new Set<string>();
    const misses: string[] = [];
    for (const pod of pods) {
      for (let n = 0; n < 10; n++) {
        // (Debian's busybox 1.35 wget crashes on -T: bound it with the timeout applet instead)
        const answer = await kubectl('exec', pod.metadata.name, '--', 'timeout', '5', 'wget', '-qO-', `http://${clusterIp}/`).then(
          (out) => out.trim(),
          (err: Error) => `failed: ${err.message.split('\n').slice(-2).join(' ')}`,
        );
        if (podNode.has(answer)) answeredBy.add(podNode.get(answer)!);
        else misses.push(`${pod.metadata.name} (${pod.spec.nodeName}): ${answer}`);
      }
    }
    process.stdout.write(`30 requests from pods on 3 hosts answered by pods on ${answeredBy.size} host(s); unanswered: ${misses.length}${misses.length ? `\n  ${misses.join('\n  ')}` : ''}\n`);
    expect(misses).toEqual([]);
    expect(answeredBy.size).toBeGreaterThanOrEqual(2);
  });

  it('kubectl logs, exec, port-forward and cp work (apiserver -> kubelet over TLS)', async () => {
    const pod = ((await kubectlJson('get', 'pods', '-l', 'app=hello')).items as any[])[0].metadata.name;
    expect((await kubectl('exec', pod, '--', 'sh', '-c', 'echo $((6 * 7))')).trim()).toBe('42');
    await kubectl('run', 'talker', `--image=${BUSYBOX}`, '--restart=Never', '--', 'sh', '-c', 'echo hello-from-logs; sleep 3600');
    await eventually(async () => (await kubectl('logs', 'talker')).includes('hello-from-logs'), { timeoutMs: 90_000, intervalMs: 1000, what: 'logs of talker' });

    const local = join(harness.workDir, 'cp');
    mkdirSync(local, { recursive: true });
    writeFileSync(join(local, 'note.txt'), 'copied in');
    await kubectl('cp', join(local, 'note.txt'), `${pod}:/tmp/note.txt`);
    expect(await kubectl('exec', pod, '--', 'cat', '/tmp/note.txt')).toBe('copied in');
    await kubectl('cp', `${pod}:/tmp/www/index.html`, join(local, 'index.html'));
    expect(readFileSync(join(local, 'index.html'), 'utf8').trim()).toBe(pod);

    const forward = require('node:child_process').spawn(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfigFile, 'port-forward', `pod/${pod}`, '18080:8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const body = await eventually(async () => {
        const r = await fetch('http://127.0.0.1:18080/', { signal: AbortSignal.timeout(3000) });
        return r.ok ? (await r.text()).trim() : null;
      }, { timeoutMs: 30_000, intervalMs: 500, what: 'port-forward answers' });
      expect(body).toBe(pod);
    } finally {
      forward.kill('SIGTERM');
    }
  });

  it('a Job completes, a StatefulSet gets web-0 and web-1', async () => {
    await kubectl('create', 'job', 'sum', `--image=${BUSYBOX}`, '--', 'sh', '-c', 'echo $((1 + 2))');
    writeFileSync(join(harness.workDir, 'sts.yaml'), STATEFULSET);
    await kubectl('apply', '-f', join(harness.workDir, 'sts.yaml'));
    await withDiagnosis(eventually(async () => (await kubectlJson('get', 'job', 'sum')).status.succeeded === 1, { timeoutMs: 120_000, intervalMs: 2000, what: 'job sum succeeded' }));
    expect((await kubectl('logs', 'job/sum')).trim()).toBe('3');
    await withDiagnosis(eventually(async () => (await kubectlJson('get', 'statefulset', 'web')).status.readyReplicas === 2, { timeoutMs: 180_000, intervalMs: 2000, what: 'statefulset web ready' }));
    expect(((await kubectlJson('get', 'pods', '-l', 'app=web')).items as any[]).map((p) => p.metadata.name).sort()).toEqual(['web-0', 'web-1']);

  });

  it('a pod reads the API through the kubernetes Service with its service-account token', async () => {
    // busybox's wget cannot complete TLS with Go's TLS stack (checked against a plain Go server),
    // so the pod runs a small Go client (support/kube-get) that does what in-cluster clients do
    const out = join(harness.workDir, 'kube-get');
    await execFileAsync('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', out, '.'], { cwd: join(__dirname, 'support/kube-get'), env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' } });
    const { archive } = buildImage({
      name: 'corral.local/kube-get:1',
      layers: [[{ type: 'file', path: 'kube-get', mode: 0o755, data: readFileSync(out) }]],
      config: { Entrypoint: ['/kube-get'] },
    });
    const uploaded = await admin.call('POST', '/v1/images', archive, { 'content-type': 'application/x-tar' });
    expect([200, 201]).toContain(uploaded.status);
    await withDiagnosis(eventually(async () => ((await kubectlJson('get', 'nodes')).items as any[]).every((n) => (n.status.images ?? []).some((i: any) => i.names.includes('corral.local/kube-get:1'))), { timeoutMs: 120_000, intervalMs: 2000, what: 'kube-get on every node' }));

    await kubectl('create', 'rolebinding', 'sa-view', '--clusterrole=view', '--serviceaccount=default:default');
    // kubernetes.default.svc through the host's cluster DNS (issue 13), as in-cluster clients find the API
    const overrides = {
      spec: {
        containers: [{ name: 'sa-check', image: 'corral.local/kube-get:1', imagePullPolicy: 'IfNotPresent', args: ['https://kubernetes.default.svc/api/v1/namespaces/default/pods/sa-check'] }],
      },
    };
    await kubectl('run', 'sa-check', '--image=corral.local/kube-get:1', '--restart=Never', '--overrides', JSON.stringify(overrides));
    await withDiagnosis(eventually(async () => ['Succeeded', 'Failed'].includes((await kubectlJson('get', 'pod', 'sa-check')).status.phase), { timeoutMs: 120_000, intervalMs: 2000, what: 'sa-check finished' }));
    const log = await kubectl('logs', 'sa-check');
    expect(log).toMatch(/^HTTP 200\n/);
    expect(JSON.parse(log.slice(log.indexOf('\n') + 1)).metadata.name).toBe('sa-check');
  });

  it('an image imported through the API after the environment is active is usable on every host, including one that registers later', async () => {
    const archive = join(cluster.imageDir!, 'custom.tar');
    const busybox = readFileSync('/bin/busybox');
    const { archive: bytes } = buildImage({
      name: 'corral.local/custom:1',
      layers: [[{ type: 'file', path: 'bin/busybox', mode: 0o755, data: busybox }, { type: 'symlink', path: 'bin/sh', target: 'busybox' }, { type: 'symlink', path: 'bin/echo', target: 'busybox' }]],
      config: { Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo custom-image'] },
    });
    writeFileSync(archive, bytes);
    const uploaded = await admin.call('POST', '/v1/images', readFileSync(archive), { 'content-type': 'application/x-tar' });
    expect([200, 201]).toContain(uploaded.status);

    const extra = await harness.addHost();
    const token = (await admin.post(`/v1/environments/${ENV}/registration-tokens`, { maxUses: 1 })).body.token;
    cluster.startAgent(extra, token, { hostname: 'node-4' });
    await withDiagnosis(eventually(async () => {
      const items = (await kubectlJson('get', 'nodes')).items as any[];
      return items.length === 4 && items.every((n) => (n.status.images ?? []).some((i: any) => i.names.includes('corral.local/custom:1')));
    }, { timeoutMs: 240_000, intervalMs: 2000, what: 'every node (node-4 too) lists corral.local/custom:1' }));
    for (const node of ['node-1', 'node-2', 'node-3', 'node-4']) {
      await kubectl('run', `custom-${node}`, '--image=corral.local/custom:1', '--image-pull-policy=IfNotPresent', '--restart=Never', '--overrides', JSON.stringify({ spec: { nodeName: node } }));
    }
    for (const node of ['node-1', 'node-2', 'node-3', 'node-4']) {
      await withDiagnosis(eventually(async () => (await kubectlJson('get', 'pod', `custom-${node}`)).status.phase === 'Succeeded', { timeoutMs: 120_000, intervalMs: 2000, what: `custom-${node} succeeded` }));
      expect((await kubectl('logs', `custom-${node}`)).trim()).toBe('custom-image');
    }
  });

  it('kill -9 of containerd and of the kubelet on a host: both back, its pods still running and serving', async () => {
    const pods = (await kubectlJson('get', 'pods', '-l', 'app=hello')).items as any[];
    const target = pods[0];
    const node = target.spec.nodeName as string;
    const host = (await admin.get(`/v1/hosts?environment=${ENV}`)).body.items.find((h: { hostname: string }) => h.hostname === node);
    for (const kind of ['containerd', 'kubelet']) {
      const pid = (await admin.get(`/v1/hosts/${host.id}`)).body.components.find((c: { kind: string }) => c.kind === kind).observed.pid as number;
      process.kill(pid, 'SIGKILL');
      await withDiagnosis(eventually(async () => {
        const c = (await admin.get(`/v1/hosts/${host.id}`)).body.components.find((x: { kind: string }) => x.kind === kind);
        return c.observed?.pid !== pid && c.observed?.healthy;
      }, { timeoutMs: 120_000, intervalMs: 1000, what: `${kind} back on ${node}` }));
    }
    const again = await kubectlJson('get', 'pod', target.metadata.name);
    expect(again.status.phase).toBe('Running');
    expect(again.status.containerStatuses[0].restartCount).toBe(0);
    const r = await harness.exec(hostOfNode(node), ['wget', '-qO-', '-T', '3', `http://${target.status.podIP}:8080/`], { timeoutMs: 10_000 });
    expect(r.stdout.trim()).toBe(target.metadata.name);
  });

  it('a worker cut off: NotReady, its pods recreated elsewhere, the Service answers again; back: it rejoins with its routes', async () => {
    const pods = (await kubectlJson('get', 'pods', '-l', 'app=hello')).items as any[];
    // a worker running a hello pod, not the one whose apiserver the test's kubeconfig names
    const kubeconfigHost = /server: https:\/\/([0-9.]+):/.exec(readFileSync(kubeconfigFile, 'utf8'))![1];
    const victimNode = pods.map((p) => p.spec.nodeName as string).find((n) => hostOfNode(n).address !== kubeconfigHost)!;
    const victim = hostOfNode(victimNode);
    const clusterIp = await kubectl('get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}');
    const cutAt = Date.now();
    await harness.cutLink(victim);
    await withDiagnosis(eventually(async () => {
      const node = await kubectlJson('get', 'node', victimNode);
      return node.status.conditions.find((c: any) => c.type === 'Ready').status !== 'True';
    }, { timeoutMs: 180_000, intervalMs: 2000, what: `${victimNode} NotReady` }));
    const notReadyAfter = (Date.now() - cutAt) / 1000;
    // the node lifecycle controller evicts the pods once their 15 s toleration of an unreachable node ran out
    await withDiagnosis(eventually(async () => {
      const items = (await kubectlJson('get', 'pods', '-l', 'app=hello')).items as any[];
      const running = items.filter((p) => p.status.phase === 'Running' && p.spec.nodeName !== victimNode && p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return running.length === 3;
    }, { timeoutMs: 180_000, intervalMs: 2000, what: '3 hello pods ready on the other hosts' }));
    const healthy = harness.hosts.findIndex((h, i) => i !== victim.index && !harness.isCut(i));
    await eventually(async () => (await harness.exec(healthy, ['wget', '-qO-', '-T', '3', `http://${clusterIp}/`], { timeoutMs: 10_000 })).code === 0, { timeoutMs: 60_000, what: 'Service answers again' });
    const recoveredAfter = (Date.now() - cutAt) / 1000;
    process.stdout.write(`worker ${victimNode} cut: NotReady after ${notReadyAfter.toFixed(1)} s, Service served by 3 pods elsewhere after ${recoveredAfter.toFixed(1)} s\n`);

    await harness.restoreLink(victim);
    await withDiagnosis(eventually(async () => (await kubectlJson('get', 'node', victimNode)).status.conditions.find((c: any) => c.type === 'Ready').status === 'True', { timeoutMs: 180_000, intervalMs: 2000, what: `${victimNode} Ready again` }));
    const routes = await harness.exec(victim, ['ip', 'route', 'show', 'proto', '250']);
    expect(routes.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('deleting the environment leaves no process, mount, cgroup, route, iptables rule, CNI state or file on any host', async () => {
    expect((await admin.delete(`/v1/environments/${ENV}`)).status).toBe(202);
    await eventually(async () => (await admin.get(`/v1/environments/${ENV}`)).status === 404, { timeoutMs: 180_000, intervalMs: 1000, what: 'deletion' });
    const deleted = (await server.sql<{ message: string }>(`SELECT message FROM events WHERE reason = 'Deleted' ORDER BY id DESC LIMIT 1`))[0]!.message;
    expect(deleted).not.toContain('not confirmed stopped');
    for (const [i, host] of harness.hosts.entries()) {
      const agent = agents.find((a) => a.host.index === i);
      const left = (await harness.cgroupPids(i))
        .filter((pid) => pid !== agent?.pid)
        .map((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
          } catch {
            return '';
          }
        })
        .filter((cmdline) => cmdline !== '' && !cmdline.includes('dist/apps/agent'));
      expect({ host: host.name, processes: left }).toEqual({ host: host.name, processes: [] });
      const check = async (argv: string[]) => (await harness.exec(i, argv)).stdout.trim();
      expect({ host: host.name, routes: await check(['ip', 'route', 'show', 'proto', '250']) }).toEqual({ host: host.name, routes: '' });
      expect({ host: host.name, rules: await check(['sh', '-c', 'iptables-save | grep -E "CORRAL|KUBE" || true']) }).toEqual({ host: host.name, rules: '' });
      expect({ host: host.name, links: await check(['sh', '-c', 'ip -o link show | grep -E "cni0|veth" || true']) }).toEqual({ host: host.name, links: '' });
      expect({ host: host.name, mounts: await check(['sh', '-c', `grep -F "${host.stateDir}" /proc/self/mountinfo || true`]) }).toEqual({ host: host.name, mounts: '' });
      expect({ host: host.name, cgroups: await check(['sh', '-c', 'ls -d /sys/fs/cgroup/*/kubepods 2>/dev/null || true']) }).toEqual({ host: host.name, cgroups: '' });
      for (const dir of ['components', 'data']) {
        const path = join(host.stateDir, dir);
        expect({ path, entries: existsSync(path) ? readdirSync(path) : [] }).toEqual({ path, entries: [] });
      }
    }
  });
});

const STATEFULSET = `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  clusterIP: None
  selector: { app: web }
  ports: [{ port: 8080 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: web }
spec:
  serviceName: web
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: ${BUSYBOX}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "exec httpd -f -p 8080 -h /var/www"]
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2 }
`;
