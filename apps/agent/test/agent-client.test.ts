import type { DesiredComponent, ObservedComponent } from '@corral/contracts';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testTlsPaths } from '@corral/test-hosts';
import { FakeAgentServer } from './support/fake-agent-server';
import { freePort, isAlive, killGroups, pidsWithCmdline, randomLoopback } from './support/processes';
import { waitFor } from './support/wait-for';

jest.setTimeout(120_000);

const repo = resolve(__dirname, '../../..');

interface RunningAgent {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

describe('corral-agent process against a protocol test double', () => {
  let root: string;
  let stateDir: string;
  let binDir: string;
  let address: string;
  let webPort: number;
  const server = new FakeAgentServer();
  const agents: RunningAgent[] = [];
  const componentPids = new Set<number>();

  beforeAll(async () => {
    execFileSync(join(repo, 'node_modules/.bin/swc'), ['apps/agent', 'libs/contracts', '--config-file', '.swcrc', '--out-dir', 'dist', '--copy-files', '--quiet'], {
      cwd: repo,
      stdio: 'inherit',
    });
    root = mkdtempSync(join(tmpdir(), 'corral-agent-'));
    stateDir = join(root, 'state');
    binDir = join(root, 'bin');
    mkdirSync(binDir);
    writeFileSync(
      join(binDir, 'web'),
      `#!/bin/sh\nexec ${process.execPath} -e "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[2]), process.argv[1])" "$1" "$2"\n`,
      { mode: 0o755 },
    );
    writeFileSync(join(binDir, 'sleeper'), '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
    address = randomLoopback();
    webPort = await freePort(address);
    await server.start();
  });

  afterAll(async () => {
    for (const a of agents) killGroups([a.child.pid!]);
    for (const r of server.reports) for (const c of r.components) if (c.pid) componentPids.add(c.pid);
    killGroups(componentPids);
    killGroups(pidsWithCmdline(root));
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  function startAgent(extra: string[] = []): RunningAgent {
    const child = spawn(
      process.execPath,
      [
        join(repo, 'dist/apps/agent/src/main.js'),
        '--server', server.url,
        '--ca-file', testTlsPaths().caFile,
        '--state-dir', stateDir,
        '--bin-dir', binDir,
        '--address', address,
        '--hostname', 'test-node',
        '--labels', 'zone=a',
        '--roles', 'etcd,worker',
        '--heartbeat-interval', '500ms',
        '--poll-wait', '2s',
        ...extra,
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
    );
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const agent = { child, output: () => out, exit };
    agents.push(agent);
    return agent;
  }

  async function stopAgent(agent: RunningAgent): Promise<number | null> {
    agent.child.kill('SIGTERM');
    const code = await Promise.race([agent.exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref())]);
    if (code === 'timeout') throw new Error(`agent did not stop; output:\n${agent.output()}`);
    return code;
  }

  const reported = (name: string): ObservedComponent | undefined => server.lastReport?.components.find((c) => c.name === name);
  const reportsSince = (n: number) => server.reports.slice(n);

  const web: DesiredComponent = {
    name: 'web',
    kind: 'test',
    specHash: 'w1',
    spec: {
      name: 'web',
      kind: 'test',
      binary: 'web',
      args: ['${address}', '0'],
      files: [{ path: 'config/app.conf', content: 'greeting=hello\n', mode: 0o640 }],
      ports: [],
      probe: { type: 'http', path: '/', port: 0, intervalSeconds: 0.5, timeoutSeconds: 1, failureThreshold: 3 },
    },
  };
  const sleeper: DesiredComponent = {
    name: 'sleeper',
    kind: 'test',
    specHash: 's1',
    spec: { name: 'sleeper', kind: 'test', binary: 'sleeper', args: [], files: [], ports: [] },
  };

  let first: RunningAgent;
  let webPid: number;
  let sleeperPid: number;

  it('registers once with the token and reports status', async () => {
    first = startAgent(['--token', 'reg-token']);
    await waitFor('registration', () => server.registrations.length === 1, 20_000, 100, () => first.output());
    expect(server.registrations[0]).toEqual({
      token: 'reg-token',
      hostname: 'test-node',
      addresses: [address],
      labels: { zone: 'a' },
      roles: ['etcd', 'worker'],
      agentVersion: '0.1.0',
      registrationId: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
    });
    await waitFor('first status', () => server.lastReport, 10_000, 100, () => first.output());
    expect(server.lastReport).toEqual({ agentVersion: '0.1.0', observedRevision: 0, components: [] });

    const identity = JSON.parse(readFileSync(join(stateDir, 'identity.json'), 'utf8'));
    expect(identity).toMatchObject({ hostId: 'host-1', environmentId: 'env-1', pool: null, hostname: 'test-node' });
    expect(readFileSync(join(stateDir, 'credential'), 'utf8').trim()).toBe(server.credential);
    expect(statSync(join(stateDir, 'credential')).mode & 0o777).toBe(0o600);
    expect(server.bearerTokens).toEqual(new Set([`Bearer ${server.credential}`]));
    await waitFor('a poll answered 304', () => server.noChangeAnswers['304'] >= 1, 10_000);
    expect(server.lastReport?.observedRevision).toBe(0);
  });

  it('applies desired state from the long-poll and reports it running', async () => {
    const spec = { ...web.spec, args: ['${address}', String(webPort)], probe: { ...web.spec.probe!, port: webPort } };
    server.setDesired({ revision: 1, components: [{ ...web, spec }] });
    const up = await waitFor('web healthy', () => (server.lastReport?.observedRevision === 1 && reported('web')?.healthy ? reported('web') : undefined), 20_000, 100, () => [server.lastReport, first.output()]);
    expect(up.phase).toBe('running');
    webPid = up.pid!;
    componentPids.add(webPid);
    const file = join(stateDir, 'components/web/config/app.conf');
    expect(readFileSync(file, 'utf8')).toBe('greeting=hello\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(JSON.parse(readFileSync(join(stateDir, 'desired.json'), 'utf8')).revision).toBe(1);
    // timed-out polls answered 304, then 200 with the same revision, change nothing
    server.noChangeAnswer = 'same-revision';
    const n = server.reports.length;
    await waitFor('heartbeats', () => server.reports.length >= n + 5, 10_000);
    expect(server.noChangeAnswers['same-revision']).toBeGreaterThanOrEqual(1);
    expect(reportsSince(n).every((r) => r.observedRevision === 1 && r.components[0].pid === webPid)).toBe(true);
  });

  it('leaves components running on SIGTERM and a restarted agent reuses its identity and adopts them', async () => {
    expect(await stopAgent(first)).toBe(0);
    expect(isAlive(webPid)).toBe(true);
    const output = first.output();
    expect(output).not.toContain('reg-token');
    expect(output).not.toContain(server.credential);

    const n = server.reports.length;
    const second = startAgent(['--token', 'reg-token']);
    await waitFor('status from the restarted agent', () => reportsSince(n).find((r) => r.components[0]?.healthy), 20_000, 100, () => second.output());
    expect(server.registrations).toHaveLength(1);
    expect(server.bearerTokens.size).toBe(1);
    expect(reported('web')).toMatchObject({ pid: webPid, restarts: 0, phase: 'running' });
    expect(reportsSince(n).every((r) => r.components.every((c) => c.pid === webPid))).toBe(true);
    expect(second.output()).toContain('adopted running component');

    // one agent per state dir
    const intruder = startAgent();
    expect(await intruder.exit).toBe(1);
    expect(intruder.output()).toMatch(/another corral-agent \(pid \d+\) is using state dir/);

    server.noChangeAnswer = 204;
    await waitFor('a poll answered 204', () => server.noChangeAnswers['204'] >= 1, 10_000);
    expect(reported('web')).toMatchObject({ pid: webPid, healthy: true });

    // removal + a new component
    server.setDesired({ revision: 2, components: [sleeper] });
    const sleeping = await waitFor('revision 2', () => (server.lastReport?.observedRevision === 2 && reported('sleeper')?.phase === 'running' ? reported('sleeper') : undefined), 20_000);
    componentPids.add(sleeping.pid!);
    expect(server.lastReport!.components.map((c) => c.name)).toEqual(['sleeper']);
    await waitFor('web gone', () => !isAlive(webPid));
    expect(existsSync(join(stateDir, 'components/web'))).toBe(false);

    // the server goes away; a local crash is healed and reported once the server is back
    await server.stop();
    process.kill(sleeping.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2500));
    const port = server.port;
    const n2 = server.reports.length;
    await server.start(port);
    const healed = await waitFor('report after the outage', () => reportsSince(n2).find((r) => r.components[0]?.restarts === 1 && r.components[0].phase === 'running'), 40_000, 100, () => second.output());
    expect(healed.components[0].pid).not.toBe(sleeping.pid);
    sleeperPid = healed.components[0].pid!;
    componentPids.add(sleeperPid);
    expect(second.output()).toMatch(/status report failed/);

    expect(await stopAgent(second)).toBe(0);
  });

  it('keeps running the cached desired state when the server is down at start', async () => {
    await server.stop();
    const before = server.reports.length;
    const third = startAgent(['--stop-components-on-exit']);
    await waitFor('sleeper adopted from cache', () => third.output().includes('resuming cached desired state') && third.output().includes('adopted running component'), 20_000, 100, () => third.output());
    const pid = sleeperPid;
    expect(isAlive(pid)).toBe(true);
    await server.start(server.port);
    await waitFor('report after server start', () => server.reports.length > before, 20_000);
    expect(reported('sleeper')).toMatchObject({ phase: 'running', pid });

    // --stop-components-on-exit
    expect(await stopAgent(third)).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(server.lastReport!.components[0]).toMatchObject({ name: 'sleeper', phase: 'stopped', healthy: false });
  });

  it('stops with exit code 3 and a clear message when the credential is revoked', async () => {
    const fourth = startAgent();
    await waitFor('sleeper started again', () => reported('sleeper')?.phase === 'running', 20_000, 100, () => fourth.output());
    server.revoked = true;
    const code = await Promise.race([fourth.exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref())]);
    expect(code).toBe(3);
    expect(fourth.output()).toMatch(/rejected this host's credential/);
    expect(server.unauthorizedCalls.length).toBeGreaterThan(0);
    expect(server.registrations).toHaveLength(1);
  });
});
