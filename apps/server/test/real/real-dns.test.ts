import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostHarness } from '@corral/test-hosts';
import { buildCorralImages } from '@corral/images';
import { eventually, startRealCluster, type RealCluster } from '@corral/testing';

/**
 * Issue 13's per-host cluster DNS on real binaries: CoreDNS (built from the Go module proxy) on
 * each of three node hosts, on 169.254.20.10 and the host's address; kubelets hand pods the
 * link-local address; kube-dns routes to the hosts' CoreDNS. Names outside the cluster go to a
 * dnsmasq the test runs beside the hosts (CORRAL_DNS_UPSTREAMS), the only "outside" here.
 */
jest.setTimeout(900_000);

const ENV = 'dns';
const BUSYBOX = 'corral.local/busybox:1.35.0';
const LINK_LOCAL = '169.254.20.10';
const DOMAIN = 'cluster.local';
const OUTSIDE_NAME = 'outside.corral.test';
const OUTSIDE_IP = '192.0.2.55';
const OUTSIDE_PORT = 5353;

describe('per-host cluster DNS on real nodes (issue 13)', () => {
  let cluster: RealCluster;
  let harness: HostHarness;
  let admin: RealCluster['admin'];
  let outside: ChildProcess;
  const kubectl = (...args: string[]) => cluster.kubectl(...args);
  const kubectlJson = (...args: string[]) => cluster.kubectlJson(...args);
  /** dig on host i; `+short` answers, one per line */
  const dig = async (i: number, server: string, ...query: string[]) => {
    const r = await harness.exec(i, ['dig', '+time=2', '+tries=1', `@${server}`, ...query], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`dig @${server} ${query.join(' ')} on host ${i}: exit ${r.code} ${r.stdout} ${r.stderr}`);
    return r.stdout;
  };
  const digShort = async (i: number, server: string, ...query: string[]) =>
    (await dig(i, server, '+short', ...query)).trim().split('\n').filter(Boolean).sort();
  /** busybox nslookup in a pod: the addresses answered for the name (after its "Name:" line) */
  const nslookup = async (pod: string, name: string, server?: string) => {
    const out = await kubectl('exec', pod, '--', 'nslookup', '-type=a', name, ...(server ? [server] : []));
    const answer = out.slice(out.indexOf('Name:'));
    return [...answer.matchAll(/Address:\s*([0-9.]+)\s*$/gm)].map((m) => m[1]!).sort();
  };
  const withDiagnosis = <T>(p: Promise<T>) => cluster.withDiagnosis(p);
  const fqdn = (name: string) => `${name}.default.svc.${DOMAIN}`;
  const readyPods = async (app: string) =>
    ((await kubectlJson('get', 'pods', '-l', `app=${app}`)).items as any[]).filter((p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));

  beforeAll(async () => {
    cluster = await startRealCluster({
      env: ENV,
      images: (outDir) => buildCorralImages({ outDir }),
      // the "outside" resolver listens on the hosts' bridge, so it starts once the hosts exist
      serverEnv: (hosts) => {
        outside = spawn('dnsmasq', [
          '--keep-in-foreground', '--no-resolv', '--no-hosts', '--bind-interfaces', `--listen-address=${hosts.serverAddress}`,
          `--port=${OUTSIDE_PORT}`, `--address=/${OUTSIDE_NAME}/${OUTSIDE_IP}`, '--pid-file=', '--user=root',
        ], { stdio: 'ignore' });
        // also when the run is interrupted (the harness' exit cleanup ends the process on a signal)
        process.once('exit', () => outside.kill('SIGTERM'));
        return { CORRAL_DNS_UPSTREAMS: `${hosts.serverAddress}:${OUTSIDE_PORT}` };
      },
      agentArgs: ['--heartbeat-interval', '1s'],
    });
    ({ harness, admin } = cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
    outside?.kill('SIGTERM');
  });

  it('every host runs CoreDNS: healthy, on the link-local address, and kube-dns lists the 3 hosts', async () => {
    await cluster.createActive();
    await withDiagnosis(eventually(async () => {
      const items = (await kubectlJson('get', 'nodes')).items as any[];
      const ready = items.filter((n) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.filter((n) => (n.status.images ?? []).some((i: any) => i.names.includes(BUSYBOX))).length === 3;
    }, { timeoutMs: 180_000, intervalMs: 2000, what: '3 Ready nodes with the busybox image' }));

    const hosts = (await admin.get(`/v1/hosts?environment=${ENV}`)).body.items as { id: string }[];
    for (const h of hosts) {
      const dns = (await admin.get(`/v1/hosts/${h.id}`)).body.components.find((c: { kind: string }) => c.kind === 'cluster-dns');
      expect(dns?.observed?.healthy).toBe(true);
    }
    for (let i = 0; i < 3; i++) {
      expect((await harness.exec(i, ['ip', '-o', 'addr', 'show', 'dev', 'lo'])).stdout).toContain(`inet ${LINK_LOCAL}/32`);
    }
    const service = await kubectlJson('get', 'service', 'kube-dns', '-n', 'kube-system');
    expect(service.spec.clusterIP).toBe('10.43.0.10');
    const slice = await withDiagnosis(eventually(async () => {
      const s = await kubectlJson('get', 'endpointslice', 'kube-dns-corral', '-n', 'kube-system').catch(() => null);
      return s?.endpoints?.length === 3 ? s : null;
    }, { timeoutMs: 60_000, intervalMs: 1000, what: 'kube-dns EndpointSlice with 3 hosts' }));
    expect(slice!.endpoints.map((e: any) => e.addresses[0]).sort()).toEqual(harness.hosts.map((h) => h.address).sort());
  });

  it('answers Services, headless Services, StatefulSet pods, SRV, pod A records, NXDOMAIN with SOA and outside names, on every host and from pods on every host', async () => {
    await eventually(async () => (await kubectl('get', 'serviceaccount', 'default', '-o', 'name').catch(() => '')).trim() !== '', { timeoutMs: 60_000, intervalMs: 1000, what: 'default service account' });
    writeFileSync(join(harness.workDir, 'workloads.yaml'), WORKLOADS);
    await kubectl('apply', '-f', join(harness.workDir, 'workloads.yaml'));
    for (let i = 1; i <= 3; i++) {
      await kubectl('run', `client-${i}`, `--image=${BUSYBOX}`, '--image-pull-policy=IfNotPresent', '--restart=Never', '--overrides', JSON.stringify({ spec: { nodeName: `node-${i}`, terminationGracePeriodSeconds: 1 } }), '--', 'sleep', '3600');
    }
    await withDiagnosis(eventually(async () => (await kubectlJson('get', 'statefulset', 'web')).status.readyReplicas === 3, { timeoutMs: 180_000, intervalMs: 2000, what: 'statefulset web ready' }));
    await withDiagnosis(eventually(async () => (await kubectlJson('get', 'deployment', 'hello')).status.availableReplicas === 2, { timeoutMs: 180_000, intervalMs: 2000, what: 'hello available' }));
    await withDiagnosis(eventually(async () => ((await kubectlJson('get', 'pods', '-l', 'run')).items as any[]).filter((p) => p.status.phase === 'Running').length === 3, { timeoutMs: 120_000, intervalMs: 2000, what: '3 client pods running' }));

    const helloIp = await kubectl('get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}');
    const webPods = await readyPods('web');
    const webIps = webPods.map((p) => p.status.podIP as string).sort();
    const web0 = webPods.find((p) => p.metadata.name === 'web-0')!;
    const client = ((await kubectlJson('get', 'pod', 'client-1')) as any).status.podIP as string;

    for (let i = 0; i < 3; i++) {
      const host = harness.hosts[i]!;
      for (const server of [LINK_LOCAL, host.address]) {
        expect(await digShort(i, server, fqdn('hello'))).toEqual([helloIp]);
      }
      // the EndpointSlice follows the pods' readiness a moment after the StatefulSet counts them ready
      await eventually(async () => JSON.stringify(await digShort(i, LINK_LOCAL, fqdn('web'))) === JSON.stringify(webIps), { timeoutMs: 15_000, intervalMs: 250, what: `web's ready pod IPs from node-${i + 1}'s DNS` });
      expect(await digShort(i, LINK_LOCAL, fqdn('web'))).toEqual(webIps);
      expect(await digShort(i, LINK_LOCAL, `web-0.web.default.svc.${DOMAIN}`)).toEqual([web0.status.podIP]);
      const srv = await digShort(i, LINK_LOCAL, 'SRV', `_http._tcp.${fqdn('web')}`);
      expect(srv).toEqual(['web-0', 'web-1', 'web-2'].map((n) => expect.stringMatching(new RegExp(`^0 \\d+ 8080 ${n}\\.web\\.default\\.svc\\.cluster\\.local\\.$`))));
      expect(await digShort(i, LINK_LOCAL, 'SRV', `_http._tcp.${fqdn('hello')}`)).toEqual([`0 100 80 hello.default.svc.${DOMAIN}.`]);
      expect(await digShort(i, LINK_LOCAL, `${client.replace(/\./g, '-')}.default.pod.${DOMAIN}`)).toEqual([client]);
      const missing = await dig(i, LINK_LOCAL, fqdn('no-such-service'));
      expect(missing).toContain('status: NXDOMAIN');
      expect(missing).toMatch(new RegExp(`AUTHORITY SECTION:\\n${DOMAIN}\\.\\s+\\d+\\s+IN\\s+SOA\\s`));
      expect(await digShort(i, LINK_LOCAL, OUTSIDE_NAME)).toEqual([OUTSIDE_IP]);
      // the kube-dns Service IP reaches the hosts' CoreDNS through kube-proxy
      expect(await digShort(i, '10.43.0.10', fqdn('hello'))).toEqual([helloIp]);

      const pod = `client-${i + 1}`;
      const resolvConf = await kubectl('exec', pod, '--', 'cat', '/etc/resolv.conf');
      expect(resolvConf).toMatch(new RegExp(`^nameserver ${LINK_LOCAL.replace(/\./g, '\\.')}$`, 'm'));
      expect(resolvConf).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m);
      expect(await nslookup(pod, `${fqdn('hello')}.`)).toEqual([helloIp]);
      expect(await nslookup(pod, `${fqdn('web')}.`)).toEqual(webIps);
      expect(await nslookup(pod, `web-0.web.default.svc.${DOMAIN}.`)).toEqual([web0.status.podIP]);
      expect(await nslookup(pod, `${OUTSIDE_NAME}.`)).toEqual([OUTSIDE_IP]);
      expect(await nslookup(pod, `${fqdn('hello')}.`, '10.43.0.10')).toEqual([helloIp]);
      // libc's resolver in the pod (busybox wget) through the search path, as the README's try block does
      const byName = await kubectl('exec', pod, '--', 'timeout', '5', 'wget', '-qO-', 'http://hello/');
      expect(byName).toBe(await kubectl('exec', pod, '--', 'timeout', '5', 'wget', '-qO-', `http://${helloIp}/`));
    }
  });

  it('web-0 recreated on another host: its name answers the new IP within 5 s of the pod being ready', async () => {
    const before = (await kubectlJson('get', 'pod', 'web-0')) as any;
    const oldNode = before.spec.nodeName as string;
    await kubectl('cordon', oldNode);
    try {
      await kubectl('delete', 'pod', 'web-0', '--wait=false');
      const ready = (await withDiagnosis(eventually(async () => {
        const p = (await kubectlJson('get', 'pod', 'web-0').catch(() => null)) as any;
        const isReady = p && p.metadata.uid !== before.metadata.uid && p.status.podIP && p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
        return isReady ? { ip: p.status.podIP as string, node: p.spec.nodeName as string, at: Date.now() } : null;
      }, { timeoutMs: 120_000, intervalMs: 100, what: 'web-0 recreated and ready' })))!;
      expect(ready.node).not.toBe(oldNode);
      expect(ready.ip).not.toBe(before.status.podIP);
      const lag = await Promise.all(harness.hosts.map(async (_, i) => {
        await eventually(async () => (await digShort(i, LINK_LOCAL, `web-0.web.default.svc.${DOMAIN}`)).join() === ready.ip, { timeoutMs: 10_000, intervalMs: 100, what: `web-0's new IP on host ${i}` });
        return (Date.now() - ready.at) / 1000;
      }));
      process.stdout.write(`web-0 moved ${oldNode} -> ${ready.node} (${before.status.podIP} -> ${ready.ip}); new IP answered ${lag.map((s) => s.toFixed(2)).join(' s, ')} s after the pod was seen ready\n`);
      for (const s of lag) expect(s).toBeLessThanOrEqual(5);
    } finally {
      await kubectl('uncordon', oldNode);
    }
  });

  it('a host\'s CoreDNS killed: it is back by itself, and lookups on the other hosts never fail meanwhile', async () => {
    const helloIp = await kubectl('get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}');
    const hosts = (await admin.get(`/v1/hosts?environment=${ENV}`)).body.items as { id: string; hostname: string }[];
    const victim = hosts.find((h) => h.hostname === 'node-1')!;
    // a bounded query loop on each other host: one dig every 50 ms for 20 s, a line per failure
    const loop = (i: number) =>
      harness.exec(i, ['sh', '-c', `end=$(($(date +%s) + 20)); n=0; f=0; while [ "$(date +%s)" -lt "$end" ]; do n=$((n + 1)); a=$(dig +short +time=1 +tries=1 @${LINK_LOCAL} ${fqdn('hello')}); [ "$a" = "${helloIp}" ] || { f=$((f + 1)); echo "failed: $a"; }; sleep 0.05; done; echo "queries $n failures $f"`], { timeoutMs: 60_000 });
    const loops = Promise.all([loop(1), loop(2)]);
    await new Promise((r) => setTimeout(r, 2000));
    const pid = (await admin.get(`/v1/hosts/${victim.id}`)).body.components.find((c: { kind: string }) => c.kind === 'cluster-dns').observed.pid as number;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await withDiagnosis(eventually(async () => {
      const c = (await admin.get(`/v1/hosts/${victim.id}`)).body.components.find((x: { kind: string }) => x.kind === 'cluster-dns');
      return c.observed?.pid !== pid && c.observed?.healthy;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'CoreDNS back on node-1' }));
    await eventually(async () => (await digShort(0, LINK_LOCAL, fqdn('hello'))).join() === helloIp, { timeoutMs: 30_000, intervalMs: 200, what: 'node-1 answers again' });
    const backAfter = (Date.now() - killedAt) / 1000;
    const results = await loops;
    const summary = results.map((r) => r.stdout.trim().split('\n').pop()!);
    process.stdout.write(`CoreDNS on node-1 SIGKILLed: answering again after ${backAfter.toFixed(1)} s; node-2: ${summary[0]}; node-3: ${summary[1]}\n`);
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toMatch(/^queries [1-9]\d+ failures 0$/);
    }
  });

  it('deleting the environment removes the link-local address from every host', async () => {
    expect((await admin.delete(`/v1/environments/${ENV}`)).status).toBe(202);
    await eventually(async () => (await admin.get(`/v1/environments/${ENV}`)).status === 404, { timeoutMs: 180_000, intervalMs: 1000, what: 'deletion' });
    for (let i = 0; i < 3; i++) {
      expect((await harness.exec(i, ['ip', '-o', 'addr', 'show', 'dev', 'lo'])).stdout).not.toContain(LINK_LOCAL);
      const left = (await harness.cgroupPids(i)).map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        } catch {
          return '';
        }
      });
      expect(left.filter((cmdline) => cmdline.includes('coredns'))).toEqual([]);
    }
  });
});

const WORKLOADS = `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  clusterIP: None
  selector: { app: web }
  ports: [{ name: http, port: 8080 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: web }
spec:
  serviceName: web
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 1
      topologySpreadConstraints:
        - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: { matchLabels: { app: web } } }
      containers:
        - name: web
          image: ${BUSYBOX}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "exec httpd -f -p 8080 -h /var/www"]
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: 2
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: hello
          image: ${BUSYBOX}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "exec httpd -f -p 8080 -h /var/www"]
---
apiVersion: v1
kind: Service
metadata: { name: hello }
spec:
  selector: { app: hello }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;
