import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { composeAgentBinDir, kubeBinDir } from '@corral/kube-build';
import { HostHarness, HostProcess, agentArgv } from '@corral/test-hosts';
import { buildCorralImages } from '@corral/images';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from '../support/test-server';

/**
 * Issue 12's CA rotation on upstream Kubernetes v1.36.3: three hosts, three etcd members, a
 * Deployment running. The cluster CA is rotated (trust-both → reissue → drop-old) while the
 * test keeps asking the cluster through the server's proxy; at the end the real kube-apiserver
 * refuses the admin certificate of a kubeconfig fetched before, and a fresh one works.
 */
const execFileAsync = promisify(execFile);

jest.setTimeout(1_200_000);

const ENV = 'rotate';
const BUSYBOX = 'corral.local/busybox:1.35.0';

interface DirectKubeconfig {
  yaml: string;
  server: string;
  ca: string;
  cert: string;
  key: string;
}

function parseDirect(yaml: string): DirectKubeconfig {
  const field = (name: string) => Buffer.from(new RegExp(`${name}: (\\S+)`).exec(yaml)![1], 'base64').toString('utf8');
  return { yaml, server: /server: (\S+)/.exec(yaml)![1], ca: field('certificate-authority-data'), cert: field('client-certificate-data'), key: field('client-key-data') };
}

/** GET /api/v1/nodes with this CA and client certificate: the HTTP status, or the TLS error's code. */
function statusWith(server: string, tls: { ca: string; cert: string; key: string }): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(new URL('/api/v1/nodes', server), { ...tls, timeout: 10_000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

const pemCount = (bundle: string) => (bundle.match(/BEGIN CERTIFICATE/g) ?? []).length;

describe('rotating the cluster CA of a real cluster (issue 12)', () => {
  let harness: HostHarness;
  let server: TestServer;
  let binDir: string;
  let admin: ReturnType<typeof apiClient>;
  let proxyKubeconfig: string;
  const agents: HostProcess[] = [];

  // never execFileSync: the server under test runs in this process
  const kubectlWith = async (kubeconfig: string, ...args: string[]) =>
    (await execFileAsync(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfig, '--request-timeout=15s', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
  const kubectl = (...args: string[]) => kubectlWith(proxyKubeconfig, ...args);
  /** why nodes were not Ready, as their Ready condition said (for the report) */
  const notReadyReasons = new Map<string, number>();
  const readyNodes = async (kubeconfig: string) => {
    const items = JSON.parse(await kubectlWith(kubeconfig, 'get', 'nodes', '-o', 'json')).items as any[];
    for (const n of items) {
      const ready = n.status.conditions.find((c: any) => c.type === 'Ready');
      if (ready?.status !== 'True') {
        const why = `${n.metadata.name}: ${ready?.status} ${ready?.reason}: ${String(ready?.message).slice(0, 160)}`;
        notReadyReasons.set(why, (notReadyReasons.get(why) ?? 0) + 1);
      }
    }
    return items.filter((n) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name).sort();
  };
  const direct = async (name: string): Promise<DirectKubeconfig & { file: string }> => {
    const res = await admin.get(`/v1/environments/${ENV}/kubeconfig?endpoint=direct&ttl=2h`);
    expect(res.status).toBe(200);
    const file = join(harness.workDir, `${name}.kubeconfig`);
    writeFileSync(file, res.body, { mode: 0o600 });
    return { ...parseDirect(res.body), file };
  };

  beforeAll(async () => {
    harness = await HostHarness.create({ count: 3, nodes: true });
    binDir = composeAgentBinDir(join(harness.workDir, 'bin'), kubeBinDir());
    const imageDir = join(harness.workDir, 'images');
    buildCorralImages({ outDir: imageDir });
    server = await startTestServer(isolatedConfig({ CORRAL_BIND_ADDRESS: '0.0.0.0', CORRAL_IMAGE_DIR: imageDir }));
    admin = apiClient(server.url, server.adminKey);
    expect((await admin.post('/v1/environments', { name: ENV, etcd: { members: 3 } })).status).toBe(201);
    const token = (await admin.post(`/v1/environments/${ENV}/registration-tokens`, { maxUses: 3 })).body.token;
    harness.hosts.forEach((host, i) => {
      agents.push(harness.startProcess(host, agentArgv(host, { server: server.urlAt(harness.serverAddress), token, binDir, hostname: `node-${i + 1}` }), { name: 'agent' }));
    });
    await eventually(async () => (await admin.get(`/v1/environments/${ENV}`)).body.state === 'active', { timeoutMs: 300_000, intervalMs: 1000, what: `${ENV} active` });
    const res = await admin.get(`/v1/environments/${ENV}/kubeconfig`);
    proxyKubeconfig = join(harness.workDir, 'proxy.kubeconfig');
    writeFileSync(proxyKubeconfig, res.body, { mode: 0o600 });
    await eventually(async () => (await readyNodes(proxyKubeconfig)).length === 3, { timeoutMs: 180_000, intervalMs: 2000, what: '3 Ready nodes' });
  });
  afterAll(async () => {
    await harness?.destroy().catch(() => undefined);
    await server?.close();
  });

  it('keeps the cluster serving through every phase; afterwards the old admin certificate gets 401 and a new kubeconfig works', async () => {
    const before = await direct('before');
    expect(pemCount(before.ca)).toBe(1);
    expect(await readyNodes(before.file)).toEqual(['node-1', 'node-2', 'node-3']);
    await kubectl('create', 'deployment', 'web', `--image=${BUSYBOX}`, '--replicas=3', '--', 'httpd', '-f', '-p', '8080');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=180s');

    const started = await admin.post(`/v1/environments/${ENV}/ca-rotation`, {});
    expect(started.status).toBe(202);
    expect((await admin.post(`/v1/environments/${ENV}/ca-rotation`, {})).status).toBe(409);

    // while it rolls: the cluster answers through the proxy and the Deployment stays available.
    // A poll that fails is asked again once after 2 s, as a client does on the proxy's 502 "retry".
    const polls = { total: 0, failedOnce: 0, failedTwice: 0, notAllReady: 0, fewestReady: 3, fewestAvailable: 3, notes: [] as string[] };
    const phasesSeen: string[] = [];
    let duringReissue: (DirectKubeconfig & { file: string }) | undefined;
    const look = async () => {
      const nodes = await readyNodes(proxyKubeconfig);
      const web = JSON.parse(await kubectl('get', 'deployment', 'web', '-o', 'json'));
      return { ready: nodes.length, available: Number(web.status.availableReplicas ?? 0) };
    };
    const done = await eventually(async () => {
      const rotation = (await admin.get(`/v1/environments/${ENV}/ca-rotation`)).body;
      if (phasesSeen.at(-1) !== rotation.phase) phasesSeen.push(rotation.phase);
      if (rotation.phase === 'reissue' && !duringReissue) {
        duringReissue = await direct('during-reissue');
        expect(pemCount(duringReissue.ca)).toBe(2);
      }
      polls.total++;
      let seen: { ready: number; available: number } | null = null;
      try {
        seen = await look();
      } catch (err) {
        polls.failedOnce++;
        polls.notes.push(`${rotation.phase}: ${(err as Error).message.split('\n').slice(-2).join(' ')}`);
        await new Promise((r) => setTimeout(r, 2000));
        seen = await look().catch((again: Error) => {
          polls.failedTwice++;
          polls.notes.push(`${rotation.phase} (asked again): ${again.message.split('\n').slice(-2).join(' ')}`);
          return null;
        });
      }
      if (seen) {
        if (seen.ready < 3) {
          polls.notAllReady++;
          polls.notes.push(`${rotation.phase}: ${seen.ready} Ready nodes, ${seen.available} available`);
        }
        polls.fewestReady = Math.min(polls.fewestReady, seen.ready);
        polls.fewestAvailable = Math.min(polls.fewestAvailable, seen.available);
      }
      return rotation.phase === 'completed' ? rotation : null;
    }, { timeoutMs: 1_000_000, intervalMs: 2000, what: 'CA rotation completed' });
    const timings = done.phases.map((p: any) => `${p.phase} ${p.seconds} s`).join(', ');
    process.stdout.write(
      `real CA rotation (3 hosts, 3 etcd members): ${timings}; ${polls.total} polls through the proxy: ${polls.failedOnce} failed once, ${polls.failedTwice} failed again 2 s later; ` +
        `${polls.notAllReady} saw a node not Ready (fewest Ready ${polls.fewestReady}); fewest available replicas of web ${polls.fewestAvailable}\n${polls.notes.slice(0, 12).join('\n')}\n`,
    );
    expect(done.phases.map((p: any) => p.phase)).toEqual(['trust-both', 'reissue', 'drop-old']);
    expect(phasesSeen).toEqual(expect.arrayContaining(['trust-both', 'reissue']));

    await eventually(async () => {
      const env = (await admin.get(`/v1/environments/${ENV}`)).body;
      return env.state === 'active' && env.conditions.some((c: any) => c.type === 'CARotation' && c.status === 'False' && c.reason === 'Completed');
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'active with CARotation False, Completed' });

    // the old admin certificate: the real apiserver answers 401 (with the new CA to get past TLS)
    const after = await direct('after');
    expect(pemCount(after.ca)).toBe(1);
    expect(new X509Certificate(after.ca).fingerprint256).not.toBe(new X509Certificate(before.ca).fingerprint256);
    expect(await statusWith(before.server, { ...before, ca: after.ca })).toBe(401);
    await expect(kubectlWith(before.file, 'get', 'nodes')).rejects.toThrow(/certificate|x509|Unauthorized/);
    // a kubeconfig fetched now, and one fetched during reissue, work
    expect(await statusWith(after.server, after)).toBe(200);
    const completedAt = Date.now();
    await eventually(async () => (await readyNodes(after.file)).length === 3, { timeoutMs: 120_000, intervalMs: 1000, what: '3 Ready nodes after the rotation' });
    process.stdout.write(`all 3 nodes Ready ${((Date.now() - completedAt) / 1000).toFixed(1)} s after the rotation completed; not Ready seen: ${JSON.stringify([...notReadyReasons])}\n`);
    expect(await readyNodes(after.file)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(await readyNodes(duringReissue!.file)).toEqual(['node-1', 'node-2', 'node-3']);

    // service-account tokens' ca.crt is the new CA alone; new pods start (scheduler, controller-manager, kubelets on new certificates)
    const rootCa = await kubectl('get', 'configmap', 'kube-root-ca.crt', '-n', 'default', '-o', 'jsonpath={.data.ca\\.crt}');
    expect(rootCa.trim()).toBe(after.ca.trim());
    await kubectl('scale', 'deployment', 'web', '--replicas=4');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=180s');
    expect(await readyNodes(proxyKubeconfig)).toEqual(['node-1', 'node-2', 'node-3']);

    // served throughout: every poll answered (at worst when asked again), one node at most restarting its kubelet, web available
    expect(polls.failedTwice).toBe(0);
    expect(polls.fewestReady).toBeGreaterThanOrEqual(2);
    expect(polls.fewestAvailable).toBeGreaterThanOrEqual(1);
  });
});
