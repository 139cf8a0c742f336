import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { HostHarness } from '@corral/test-hosts';
import { buildCorralImages } from '@corral/images';
import { apiClient, eventually, startRealCluster, type InProcessServer, type RealCluster } from '@corral/testing';
import { ApiserverPoolsService } from '../../src/kube-api/apiserver-pools.service';

/**
 * Issue 11's end-to-end test: every kubectl verb through the server's Kubernetes API proxy
 * (/k8s/environments/{env}) on upstream binaries, read keys kept to reads, the audit log naming
 * the key, and one kubeconfig that keeps working while the control-plane host it was using is
 * cut off.
 */
jest.setTimeout(600_000);

const ENV = 'proxied';
const BUSYBOX = 'corral.local/busybox:1.35.0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the Kubernetes API through Corral, on real binaries (issue 11)', () => {
  let cluster: RealCluster;
  let harness: HostHarness;
  let server: InProcessServer;
  let binDir: string;
  let admin: RealCluster['admin'];
  let writerKubeconfig: string;
  const children: ChildProcess[] = [];

  const kubectlWith = (kubeconfig: string, ...args: string[]) => cluster.kubectlWith(kubeconfig, args);
  const kubectl = (...args: string[]) => kubectlWith(writerKubeconfig, ...args);
  const kubeconfigFor = async (key: string, name: string) => {
    const res = await apiClient(server.url, key).get(`/v1/environments/${ENV}/kubeconfig`);
    expect(res.status).toBe(200);
    const file = join(harness.workDir, `${name}.kubeconfig`);
    writeFileSync(file, res.body, { mode: 0o600 });
    return { file, yaml: res.body as string };
  };

  beforeAll(async () => {
    cluster = await startRealCluster({ env: ENV, images: (outDir) => buildCorralImages({ outDir }) });
    ({ harness, server, binDir, admin } = cluster);
    await cluster.createActive();
    const writer = (await admin.post('/v1/api-keys', { name: 'e2e-writer', scopes: ['write'] })).body.key;
    writerKubeconfig = (await kubeconfigFor(writer, 'writer')).file;
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await cluster?.stop();
  });

  it('hands out a kubeconfig for the proxy with the server CA and a token, never the admin certificate', async () => {
    const yaml = readFileSync(writerKubeconfig, 'utf8');
    expect(yaml).toContain(`server: ${server.url}/k8s/environments/${ENV}`);
    expect(yaml).toMatch(/token: crl_kt_/);
    expect(yaml).not.toMatch(/client-key-data|exec:|auth-provider/);
    const direct = await admin.get(`/v1/environments/${ENV}/kubeconfig?endpoint=direct`);
    expect(direct.body).toMatch(/server: https:\/\/10\.213\.\d+\.\d+:6443/);
    expect((await admin.get(`/v1/environments/${ENV}/kubeconfig?ttl=soon`)).status).toBe(400);

    const nodes = await eventually(async () => {
      const items = JSON.parse(await kubectl('get', 'nodes', '-o', 'json')).items as any[];
      const ready = items.filter((n) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.filter((n) => (n.status.images ?? []).some((i: any) => i.names.includes(BUSYBOX))).length === 3 ? items : null;
    }, { timeoutMs: 180_000, intervalMs: 2000, what: '3 Ready nodes with the busybox image, through the proxy' });
    expect(nodes!.map((n: any) => n.metadata.name).sort()).toEqual(['node-1', 'node-2', 'node-3']);
  });

  it('exec, logs -f and port-forward work through the proxy', async () => {
    await kubectl('create', 'deployment', 'talker', `--image=${BUSYBOX}`, '--',
      'sh', '-c', 'mkdir -p /www && echo served-through-corral > /www/index.html && httpd -p 8080 -h /www && i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done');
    await kubectl('rollout', 'status', 'deployment/talker', '--timeout=120s');
    const pod = (await kubectl('get', 'pods', '-l', 'app=talker', '-o', 'jsonpath={.items[0].metadata.name}')).trim();

    expect((await kubectl('exec', pod, '--', 'echo', 'hello from exec')).trim()).toBe('hello from exec');
    const piped = spawn(join(binDir, 'kubectl'), ['--kubeconfig', writerKubeconfig, 'exec', '-i', pod, '--', 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(piped);
    let echoed = '';
    piped.stdout!.on('data', (c: Buffer) => (echoed += c.toString()));
    piped.stdin!.end('stdin crosses the proxy\n');
    await new Promise((r) => piped.once('exit', r));
    expect(echoed).toBe('stdin crosses the proxy\n');

    const follower = spawn(join(binDir, 'kubectl'), ['--kubeconfig', writerKubeconfig, 'logs', '-f', pod], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(follower);
    let followed = '';
    follower.stdout!.on('data', (c: Buffer) => (followed += c.toString()));
    const seenAtStart = await eventually(async () => (followed.match(/tick \d+/g) ?? []).length || null, { timeoutMs: 20_000, what: 'logs -f output' });
    // lines written after the stream opened arrive on it
    await eventually(async () => (followed.match(/tick \d+/g) ?? []).length >= seenAtStart! + 3, { timeoutMs: 20_000, what: 'followed lines' });
    follower.kill('SIGTERM');

    const localPort = 20000 + Math.floor(Math.random() * 20000);
    const forwarder = spawn(join(binDir, 'kubectl'), ['--kubeconfig', writerKubeconfig, 'port-forward', `pod/${pod}`, `${localPort}:8080`], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(forwarder);
    let forwardLog = '';
    forwarder.stdout!.on('data', (c: Buffer) => (forwardLog += c.toString()));
    forwarder.stderr!.on('data', (c: Buffer) => (forwardLog += c.toString()));
    await eventually(async () => forwardLog.includes('Forwarding from'), { timeoutMs: 20_000, what: `port-forward ready; output: ${forwardLog}` });
    expect(await httpGetRaw('127.0.0.1', localPort)).toContain('served-through-corral');
    forwarder.kill('SIGTERM');
  });

  it('a read key reads but cannot create (403 from the proxy); the audit log names each key', async () => {
    const reader = (await admin.post('/v1/api-keys', { name: 'e2e-reader', scopes: ['read'] })).body.key;
    const readKubeconfig = (await kubeconfigFor(reader, 'reader')).file;
    expect(await kubectlWith(readKubeconfig, 'get', 'namespaces', '-o', 'name')).toContain('namespace/default');
    const refused = await kubectlWith(readKubeconfig, 'create', 'namespace', 'not-allowed').then(
      () => null,
      (err: { stderr?: string }) => err.stderr ?? String(err),
    );
    expect(refused).toMatch(/Forbidden/);
    expect(refused).toMatch(/read access/);
    expect(await kubectl('get', 'namespace', 'not-allowed', '--ignore-not-found', '-o', 'name')).toBe('');
    // the cluster's own RBAC sees the reader as corral:read (view): no Secrets
    const secrets = await kubectlWith(readKubeconfig, 'get', 'secrets', '-A').then(() => 'allowed', (err: { stderr?: string }) => err.stderr ?? '');
    expect(secrets).toMatch(/forbidden: User "corral:key:e2e-reader" cannot list resource "secrets"/);

    await kubectl('create', 'namespace', 'audited');
    const audited = await eventually(async () => {
      const events = harness.hosts
        .map((h) => join(h.stateDir, 'data/kube-apiserver/audit.log'))
        .filter(existsSync)
        .flatMap((file) => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)));
      return events.find((e) => e.verb === 'create' && e.objectRef?.resource === 'namespaces' && e.objectRef?.name === 'audited') ?? null;
    }, { timeoutMs: 20_000, what: 'the audit event of the namespace creation' });
    expect(audited.user.username).toBe('corral:api-proxy');
    expect(audited.impersonatedUser).toMatchObject({ username: 'corral:key:e2e-writer', groups: expect.arrayContaining(['corral:write']) });
  });

  it('keeps one kubeconfig working while the control-plane host the proxy uses is cut off', async () => {
    const servedBy = async () => {
      const res = await fetch(`${server.url}/k8s/environments/${ENV}/version`, { headers: { authorization: `Bearer ${server.adminKey}` } });
      await res.text();
      return res.headers.get('corral-kube-apiserver');
    };
    const using = await servedBy();
    expect(using).toMatch(/^node-[123]$/);
    const victim = Number(using!.slice('node-'.length)) - 1;

    const watcher = spawn(join(binDir, 'kubectl'), ['--kubeconfig', writerKubeconfig, 'get', 'pods', '-A', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(watcher);
    let watchOut = '';
    let watchErr = '';
    watcher.stdout!.on('data', (c: Buffer) => (watchOut += c.toString()));
    watcher.stderr!.on('data', (c: Buffer) => (watchErr += c.toString()));
    let watchExit: number | null | undefined;
    watcher.once('exit', (code) => (watchExit = code));
    const streamPod = (await kubectl('get', 'pods', '-l', 'app=talker', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
    const stream = spawn(join(binDir, 'kubectl'), ['--kubeconfig', writerKubeconfig, 'exec', '-i', streamPod, '--', 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(stream);
    let streamErr = '';
    stream.stderr!.on('data', (c: Buffer) => (streamErr += c.toString()));
    let streamExit: number | null | undefined;
    stream.once('exit', (code) => (streamExit = code));
    await eventually(async () => watchOut.includes('talker'), { timeoutMs: 20_000, what: 'the watch listing pods' });

    const results: Array<{ start: number; end: number; ok: boolean; err?: string }> = [];
    let cutAt = Number.POSITIVE_INFINITY;
    let looping = true;
    const loop = (async () => {
      while (looping) {
        const start = Date.now();
        const ok = await kubectl('get', 'ns', '-o', 'name').then(
          (out) => ({ ok: out.includes('namespace/default') }),
          (err: { stderr?: string }) => ({ ok: false, err: err.stderr ?? String(err) }),
        );
        results.push({ start, end: Date.now(), ...ok });
        await sleep(200);
      }
    })();
    await sleep(3_000);
    cutAt = Date.now();
    const watchLengthAtCut = watchOut.length;
    await harness.cutLink(victim);
    // what the proxy saw, for the record when something is slow
    const pools = server.app.get(ApiserverPoolsService);
    const seen: string[] = [];
    for (let t = 0; t < 80; t++) {
      const pool = await pools.forEnvironment(ENV);
      const state = pool.list().map((b) => `${b.record.hostname}:${b.record.reportedHealthy ? 'H' : 'h'}${b.probeOk === null ? '?' : b.probeOk ? 'P' : 'p'}${b.failuresInARow}/${b.open.size}`).join(' ');
      if (seen[seen.length - 1]?.split('ms ')[1] !== state) seen.push(`${Date.now() - cutAt}ms ${state}`);
      await sleep(250);
    }
    looping = false;
    await loop;

    const afterCut = results.filter((r) => r.end > cutAt);
    const failed = afterCut.filter((r) => !r.ok);
    const inFlightAtCut = results.filter((r) => r.start <= cutAt && r.end > cutAt).length;
    // the loop resumes with its first answer after the cut (a request in flight at the cut counts: the proxy retried it elsewhere)
    const firstOk = afterCut.find((r) => r.ok);
    const resumedMs = firstOk ? firstOk.end - cutAt : Number.POSITIVE_INFINITY;
    const servedNow = await servedBy();
    process.stdout.write(
      `proxy failover: cut ${using}; ${results.length} requests, ${failed.length} failed after the cut (in flight at the cut: ${inFlightAtCut}); ` +
        `first success ${resumedMs} ms after the cut; now served by ${servedNow}; watch ${watchExit === undefined ? 'still open' : `exited ${watchExit}: ${watchErr.trim()}`}; ` +
        `exec stream ${streamExit === undefined ? 'still open' : `exited ${streamExit}: ${streamErr.trim()}`}\n` +
        `watch output after the cut: ${JSON.stringify(watchOut.slice(watchLengthAtCut))}\n` +
        `requests: ${results.map((r) => `${r.start - cutAt}+${r.end - r.start}${r.ok ? '' : '!'}`).join(' ')}\n` +
        `failures: ${results.filter((r) => !r.ok).map((r) => r.err?.trim().split('\n').pop()).join(' | ') || 'none'}\n` +
        `proxy's view (host:reported healthy H/h, probe P/p/?, failures in a row/open streams): ${seen.join(' | ')}\n`,
    );
    expect(results.filter((r) => r.end <= cutAt).every((r) => r.ok)).toBe(true);
    expect(resumedMs).toBeLessThanOrEqual(5_000);
    expect(failed.length).toBeLessThanOrEqual(inFlightAtCut);
    expect(servedNow).not.toBe(using);
    // the watch was on the cut apiserver: the proxy resumed it on another from its last resourceVersion,
    // so kubectl (which never re-establishes a watch itself) goes on, and sees a change made after the cut
    expect(watchExit).toBeUndefined();
    // a bare pod: the apiserver stores it at once (a Deployment would wait for a controller-manager
    // leader, which may have been on the cut host)
    await kubectl('run', 'after-the-cut', `--image=${BUSYBOX}`, '--restart=Never', '--', 'sleep', '3600');
    await eventually(async () => watchOut.slice(watchLengthAtCut).includes('after-the-cut'), { timeoutMs: 30_000, what: `the resumed watch showing a pod created after the cut; stderr: ${watchErr}` });
    // the exec stream ran through the cut apiserver: it ends, saying why
    expect(streamExit).not.toBeUndefined();
    expect(streamExit).not.toBe(0);
  });
});

/** A plain HTTP/1.0 GET (the port-forward's local end), answered as raw text. */
function httpGetRaw(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port }, () => socket.write(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    let data = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer through port-forward within 10 s')));
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}
