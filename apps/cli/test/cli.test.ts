import { ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ServerProcess, startServerProcess } from '@corral/testing';
import { REPO, binDirWithBroken, startLoopbackAgents, testTlsPaths } from '@corral/test-hosts';

const execFileAsync = promisify(execFile);

jest.setTimeout(300_000);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The `corral` CLI as a pipeline runs it (bin/corral, no terminal) against a real server
 * process, with loopback agents in a host pool: one host whose kube-scheduler crash-loops
 * (for exit 1) and two healthy ones.
 */
describe('corral CLI against a running server', () => {
  let server: ServerProcess;
  let agents: ReturnType<typeof startLoopbackAgents>;
  let home: string;

  function corral(args: string[], options: { env?: Record<string, string>; stdin?: string; onStart?: (child: ChildProcess) => void } = {}): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(join(REPO, 'bin/corral'), args, {
        env: { PATH: process.env.PATH ?? '', HOME: home, CORRAL_CONFIG: join(home, 'corral.json'), CORRAL_CA_FILE: testTlsPaths().caFile, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      child.stdin!.end(options.stdin ?? '');
      options.onStart?.(child);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  }
  const json = (run: Run) => {
    try {
      return JSON.parse(run.stdout);
    } catch {
      throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
    }
  };
  const expectExit = (run: Run, code: number) => {
    if (run.code !== code) throw new Error(`expected exit ${code}, got ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'corral-cli-home-'));
    server = await startServerProcess();
    const token = (await server.request('POST', '/v1/pools/ci/registration-tokens', { maxUses: 3 })).body.token;
    const broken = binDirWithBroken(join(home, 'broken-bin'), 'kube-scheduler', ['E0101 flag provided but not defined: -bogus-scheduler-flag', 'Usage of kube-scheduler:']);
    agents = startLoopbackAgents(3, {
      server: server.url,
      token,
      perAgent: (i) => (i === 2 ? { binDir: broken, extraArgs: ['--labels', 'scheduler=broken'] } : { extraArgs: ['--labels', 'scheduler=ok'] }),
    });
    for (let i = 0; i < 300; i++) {
      const pool = (await server.request('GET', '/v1/pools/ci')).body;
      if (pool?.hosts?.idle === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('logs in with the key from stdin, keeping it in a 0600 file; a wrong key is exit 3', async () => {
    const wrong = await corral(['login', '--server', server.url], { stdin: 'crl_ak_wrong\n' });
    expectExit(wrong, 3);
    expect(wrong.stderr).toContain('401');
    expect(existsSync(join(home, 'corral.json'))).toBe(false);

    const ok = await corral(['login', '--server', server.url], { stdin: `${server.adminKey}\n` });
    expectExit(ok, 0);
    expect(statSync(join(home, 'corral.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(home, 'corral.json'), 'utf8'))).toEqual({ server: server.url, token: server.adminKey, caFile: testTlsPaths().caFile });

    const envToken = await corral(['env', 'list'], { env: { CORRAL_TOKEN: 'crl_ak_wrong' } });
    expectExit(envToken, 3);
  });

  it('create --wait: plain progress lines, exit 0 when active, JSON on stdout, a kubeconfig kubectl uses', async () => {
    const kubeconfig = join(home, 'ci-ok.kubeconfig');
    const started = Date.now();
    const run = await corral(['env', 'create', 'ci-ok', '--pool', 'ci', '--hosts', '1', '--host-selector', 'scheduler=ok', '--ttl', '30m', '--label', 'run=42', '--wait', '--timeout', '3m', '--kubeconfig', kubeconfig]);
    expectExit(run, 0);
    const env = json(run);
    expect(env).toMatchObject({ name: 'ci-ok', state: 'active', labels: { run: '42' }, hosts: { pool: 'ci', count: 1, labelSelector: 'scheduler=ok' }, wait: { for: 'active', result: 'reached' } });
    expect(env.wait.waitedMs).toBeLessThan(Date.now() - started);
    expect(env.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    // progress for CI logs: timestamped lines from the event stream, nothing redrawn
    expect(run.stderr).not.toContain('\x1b[');
    expect(run.stderr).toMatch(/^\[ +\d+\.\ds\] ci-ok is (pending|provisioning)$/m);
    expect(run.stderr).toMatch(/EtcdReady=True/);
    expect(run.stderr).toMatch(/✓ ci-ok is active after \d+\.\ds/);
    expect(run.stderr).toContain(`kubeconfig written to ${kubeconfig}`);

    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    const nodes = JSON.parse((await execFileAsync('kubectl', ['--kubeconfig', kubeconfig, '--request-timeout=10s', 'get', 'nodes', '-o', 'json'], { encoding: 'utf8' })).stdout);
    expect(nodes.items).toHaveLength(1);
    expect(nodes.items[0].status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]));
  });

  it('lists and shows as JSON, YAML and tables with stable fields', async () => {
    const list = json(await corral(['env', 'list', '-o', 'json']));
    expect(list.items.map((e: any) => e.name)).toEqual(['ci-ok']);
    const yaml = parseYaml((await corral(['env', 'get', 'ci-ok', '-o', 'yaml'])).stdout);
    expect(yaml).toMatchObject({ name: 'ci-ok', state: 'active', etcd: { members: 1 } });
    const table = await corral(['env', 'list', '-o', 'table']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME +STATE +READY +VERSION +HOSTS +EXPIRES +AGE$/);
    expect(table.stdout).toMatch(/^ci-ok +active +True +v1\.36 +1 from ci +in (2\d|30)m/m);

    const pools = json(await corral(['pool', 'list']));
    expect(pools.items).toEqual([{ name: 'ci', hosts: { total: 3, idle: 2, claimed: 1, unavailable: 0 }, waitingEnvironments: 0 }]);
    const hosts = json(await corral(['host', 'list', '--pool', 'ci']));
    expect(hosts.items.filter((h: any) => h.environmentId === yaml.id)).toHaveLength(1);
    const hostTable = (await corral(['host', 'list', '--pool', 'ci', '-o', 'table'])).stdout;
    expect(hostTable.split('\n')[0]).toMatch(/^NAME +STATE +HEALTHY +POOL +ENVIRONMENT +ADDRESS +HEARTBEAT +AGE$/);
    expect(hostTable).toMatch(/^\S+ +active +True +ci +ci-ok +/m);
    const token = json(await corral(['token', 'create', '--pool', 'ci', '--max-uses', '1', '--roles', 'worker']));
    expect(token).toMatchObject({ token: expect.stringMatching(/^crl_rt_/), maxUses: 1, roles: ['worker'] });

    const extended = json(await corral(['env', 'extend', 'ci-ok', '--ttl', '2h']));
    expect(Date.parse(extended.expiresAt) - Date.now()).toBeGreaterThan(7100_000);

    const stdoutKubeconfig = await corral(['env', 'kubeconfig', 'ci-ok']);
    expectExit(stdoutKubeconfig, 0);
    const throughCorral = parseYaml(stdoutKubeconfig.stdout);
    expect(throughCorral).toMatchObject({ kind: 'Config', 'current-context': 'ci-ok', clusters: [{ cluster: { server: `${server.url}/k8s/environments/ci-ok` } }] });
    expect(throughCorral.users[0].user.token).toMatch(/^crl_kt_/);
    const direct = parseYaml((await corral(['env', 'kubeconfig', 'ci-ok', '--direct'])).stdout);
    expect(direct.clusters[0].cluster.server).toMatch(/^https:\/\/127\.[\d.]+:6443$/);
    expect(direct.users[0].user['client-key-data']).toBeTruthy();
    expectExit(await corral(['env', 'kubeconfig', 'ci-ok', '--ttl', 'forever']), 3);
    // ~/.kube/config only with --merge
    expect(existsSync(join(home, '.kube', 'config'))).toBe(false);
    expectExit(await corral(['env', 'kubeconfig', 'ci-ok', '--merge']), 0);
    const merged = parseYaml(readFileSync(join(home, '.kube', 'config'), 'utf8'));
    expect(merged['current-context']).toBe('corral-ci-ok');
    expect(Object.keys(merged.users[0].user)).toEqual(['token']);
    expect(statSync(join(home, '.kube', 'config')).mode & 0o777).toBe(0o600);
  });

  it('create --wait exits 2 on timeout, still showing the environment', async () => {
    const run = await corral(['env', 'create', 'ci-slow', '--pool', 'ci', '--host-selector', 'scheduler=ok', '--wait', '--timeout', '1s', '-o', 'json']);
    expectExit(run, 2);
    expect(json(run)).toMatchObject({ name: 'ci-slow', wait: { result: 'timedOut' } });
    expect(run.stderr).toMatch(/timed out: ci-slow did not become active within 1\.0s; it is (pending|provisioning)/);
    expectExit(await corral(['env', 'delete', 'ci-slow', '--wait', '--timeout', '2m']), 0);
  });

  it('create --wait exits 1 when a component crash-loops, with the failing condition and its last log lines', async () => {
    const run = await corral(['env', 'create', 'ci-broken', '--pool', 'ci', '--host-selector', 'scheduler=broken', '--wait', '--timeout', '3m', '-o', 'json']);
    expectExit(run, 1);
    expect(json(run)).toMatchObject({ name: 'ci-broken', wait: { result: 'failed', failure: { reason: 'CrashLoop', condition: { type: 'ControlPlaneReady' } } } });
    expect(run.stderr).toContain('environment ci-broken failed: CrashLoop');
    expect(run.stderr).toMatch(/condition ControlPlaneReady=False \(CrashLoop\): kube-scheduler on node-3/);
    expect(run.stderr).toMatch(/kube-scheduler on node-3: crash-looping, exit code 1/);
    expect(run.stderr).toContain('| E0101 flag provided but not defined: -bogus-scheduler-flag');
    expectExit(await corral(['env', 'delete', 'ci-broken', '--wait']), 0);
  });

  it('Ctrl-C during create --wait leaves a TTL-bound environment (one without --ttl gets --interrupt-ttl), or deletes it with --delete-on-interrupt (exit 130)', async () => {
    const interrupt = (child: ChildProcess, run: { stderr: string }) => {
      const timer = setInterval(() => {
        if (/ is (pending|provisioning)/.test(run.stderr)) {
          clearInterval(timer);
          child.kill('SIGINT');
        }
      }, 50);
    };
    const left = { stderr: '' };
    const leftRun = await corral(['env', 'create', 'ci-left', '--pool', 'ci', '--host-selector', 'scheduler=ok', '--interrupt-ttl', '10m', '--wait'], {
      onStart: (child) => {
        child.stderr!.on('data', (d) => (left.stderr += d));
        interrupt(child, left);
      },
    });
    expectExit(leftRun, 130);
    expect(leftRun.stderr).toMatch(/interrupted: environment ci-left had no TTL; it is left as it is and now expires in (9|10)m/);
    const leftBehind = json(await corral(['env', 'get', 'ci-left']));
    expect(leftBehind.state).not.toMatch(/deleting|deleted/);
    expect(leftBehind.ttlSeconds).toBe(600);
    expect(Date.parse(leftBehind.expiresAt) - Date.now()).toBeGreaterThan(540_000);
    expectExit(await corral(['env', 'delete', 'ci-left', '--wait']), 0);

    const gone = { stderr: '' };
    const goneRun = await corral(['env', 'create', 'ci-gone', '--pool', 'ci', '--host-selector', 'scheduler=ok', '--wait', '--delete-on-interrupt'], {
      onStart: (child) => {
        child.stderr!.on('data', (d) => (gone.stderr += d));
        interrupt(child, gone);
      },
    });
    expectExit(goneRun, 130);
    expect(goneRun.stderr).toContain('interrupted: environment ci-gone is being deleted (--delete-on-interrupt)');
    const waitGone = await corral(['env', 'delete', 'ci-gone', '--wait', '--ignore-not-found']);
    expectExit(waitGone, 0);
    expectExit(await corral(['env', 'get', 'ci-gone']), 1);
  });

  it('deletes with --wait; the host returns to the pool; a missing environment is exit 1 unless --ignore-not-found', async () => {
    const run = await corral(['env', 'delete', 'ci-ok', '--wait', '-o', 'json']);
    expectExit(run, 0);
    expect(json(run)).toMatchObject({ state: 'deleted', wait: { result: 'reached' } });
    const missing = await corral(['env', 'get', 'ci-ok']);
    expectExit(missing, 1);
    expect(missing.stderr).toContain('404');
    expectExit(await corral(['env', 'delete', 'ci-ok', '--ignore-not-found']), 0);
    for (let i = 0; i < 100; i++) {
      if (json(await corral(['pool', 'list'])).items[0].hosts.idle === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(json(await corral(['pool', 'list'])).items[0].hosts).toEqual({ total: 3, idle: 3, claimed: 0, unavailable: 0 });
  });
});
