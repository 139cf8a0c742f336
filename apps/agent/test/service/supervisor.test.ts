import type { ComponentSpec, DesiredComponent, DesiredState, ObservedComponent } from '@corral/contracts';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { StateDir } from '../../src/state-dir/state-dir';
import { Supervisor, type SupervisorOptions } from '../../src/supervisor/supervisor';
import { freePort, isAlive, killGroups, pidsWithCmdline, randomLoopback } from '../support/processes';
import { waitFor } from '../support/wait-for';
import { recordingSupervisor } from '../support/recording-supervisor';

jest.setTimeout(120_000);

const logger = pino({ level: process.env.AGENT_TEST_LOG ?? 'silent' });

describe('supervisor with real processes', () => {
  let root: string;
  let binDir: string;
  let address: string;
  const supervisors: Supervisor[] = [];
  const seenPids = new Set<number>();

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'corral-supervisor-'));
    binDir = join(root, 'bin');
    require('node:fs').mkdirSync(binDir);
    symlinkSync('/usr/bin/etcd', join(binDir, 'etcd'));
    writeFileSync(join(binDir, 'sleeper'), '#!/bin/sh\necho "sleeper up: $*"\nexec sleep 600\n', { mode: 0o755 });
    writeFileSync(join(binDir, 'crasher'), '#!/bin/sh\necho "boom: config is broken"\nexit 3\n', { mode: 0o755 });
    // a teardown step runs only from --bin-dir: the tests' cleanup scripts through a script there
    writeFileSync(join(binDir, 'run-script'), '#!/bin/sh\nexec /bin/sh -c "$1"\n', { mode: 0o755 });
    address = randomLoopback();
  });

  afterAll(async () => {
    await Promise.allSettled(supervisors.map((s) => s.close({ stopComponents: true })));
    killGroups(seenPids);
    killGroups(pidsWithCmdline(root));
    rmSync(root, { recursive: true, force: true });
  });

  function supervisor(stateName: string, extra: Partial<SupervisorOptions> = {}): { sup: Supervisor; history: ObservedComponent[][] } {
    return recordingSupervisor(
      {
        stateDir: new StateDir(join(root, stateName)),
        binDir,
        address,
        hostname: 'node-a',
        logger,
        adoptPollMs: 200,
        ...extra,
      },
      { supervisors, seenPids },
    );
  }

  const observed = (sup: Supervisor, name: string) => sup.snapshot().components.find((c) => c.name === name);

  function desired(revision: number, components: DesiredComponent[]): DesiredState {
    return { hostId: 'h1', revision, components };
  }

  describe('etcd', () => {
    let clientPort: number;
    let peerPort: number;
    let etcdSpec: (extraArgs?: string[]) => ComponentSpec;
    const stateName = 'etcd-host';

    beforeAll(async () => {
      clientPort = await freePort(address);
      peerPort = await freePort(address);
      etcdSpec = (extraArgs = []) => ({
        name: 'etcd',
        kind: 'etcd',
        binary: 'etcd',
        args: [
          '--name=${hostname}',
          '--data-dir=${dataDir}',
          `--listen-client-urls=http://\${address}:${clientPort}`,
          `--advertise-client-urls=http://\${address}:${clientPort}`,
          `--listen-peer-urls=http://\${address}:${peerPort}`,
          `--initial-advertise-peer-urls=http://\${address}:${peerPort}`,
          `--initial-cluster=\${hostname}=http://\${address}:${peerPort}`,
          '--initial-cluster-state=new',
          ...extraArgs,
        ],
        env: { ETCD_MARKER: '${componentDir}' },
        files: [{ path: 'conf/marker.txt', content: 'written by the agent for ${hostname}\n', mode: 0o600 }],
        ports: [clientPort, peerPort],
        probe: { type: 'http', path: '/health', port: clientPort, intervalSeconds: 0.5, timeoutSeconds: 1, failureThreshold: 10 },
        stopGracePeriodSeconds: 5,
      });
    });

    const etcdHealthy = (sup: Supervisor, hash: string) => {
      const c = observed(sup, 'etcd');
      return c && c.specHash === hash && c.phase === 'running' && c.healthy && c.pid ? c : undefined;
    };

    const health = () =>
      new Promise<number>((resolve) => {
        http
          .get({ host: address, port: clientPort, path: '/health', timeout: 2000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', () => resolve(0));
      });

    let first: { sup: Supervisor; history: ObservedComponent[][] };
    let pidAfterSpecChange: number;

    it('starts etcd after writing its files and reaches running + healthy; a dependent waits for it', async () => {
      first = supervisor(stateName);
      const dependent: DesiredComponent = {
        name: 'after-etcd',
        kind: 'test',
        specHash: 'd1',
        spec: { name: 'after-etcd', kind: 'test', binary: 'sleeper', args: ['${address}'], files: [], ports: [], dependsOn: ['etcd'] },
      };
      await first.sup.apply(desired(1, [{ name: 'etcd', kind: 'etcd', specHash: 'v1', spec: etcdSpec() }, dependent]));
      const etcd = await waitFor('etcd healthy', () => etcdHealthy(first.sup, 'v1'), 30_000, 100, () => first.sup.snapshot());
      expect(await health()).toBe(200);
      expect(first.sup.snapshot().observedRevision).toBe(1);
      expect(etcd.restarts).toBe(0);

      const state = new StateDir(join(root, stateName));
      const marker = join(state.componentDir('etcd'), 'conf/marker.txt');
      expect(readFileSync(marker, 'utf8')).toBe('written by the agent for ${hostname}\n');
      expect(statSync(marker).mode & 0o777).toBe(0o600);
      expect(existsSync(join(state.dataDir('etcd'), 'member'))).toBe(true);
      expect(readFileSync(`/proc/${etcd.pid}/environ`, 'utf8')).toContain(`ETCD_MARKER=${state.componentDir('etcd')}`);
      expect(readFileSync(state.logPath('etcd'), 'utf8')).toMatch(/starting etcd \(spec v1\)/);

      const runningDependent = await waitFor('dependent running', () => {
        const d = observed(first.sup, 'after-etcd');
        return d?.phase === 'running' ? d : undefined;
      });
      expect(runningDependent.healthy).toBe(true);
      const dependentPhases = first.history.map((s) => s.find((c) => c.name === 'after-etcd'));
      const pendingIndex = dependentPhases.findIndex((d) => d?.phase === 'pending');
      expect(dependentPhases[pendingIndex]?.message).toBe('waiting for dependencies: etcd (not healthy)');
      // it never ran before etcd was healthy
      const firstRunning = first.history.findIndex((s) => s.find((c) => c.name === 'after-etcd')?.phase === 'running');
      expect(first.history[firstRunning].find((c) => c.name === 'etcd')?.healthy).toBe(true);
    });

    it('restarts etcd after kill -9 and counts one restart', async () => {
      const before = observed(first.sup, 'etcd')!;
      const start = first.history.length;
      process.kill(before.pid!, 'SIGKILL');
      await waitFor('etcd failed', () => observed(first.sup, 'etcd')?.phase === 'failed');
      expect(observed(first.sup, 'etcd')?.message).toMatch(/exited on signal SIGKILL; restarting in/);
      const after = await waitFor('etcd back', () => {
        const c = etcdHealthy(first.sup, 'v1');
        return c && c.pid !== before.pid ? c : undefined;
      });
      expect(after.restarts).toBe(1);
      expect(after.crashLoop).toBe(false);
      // while the new run starts, the report still says why the last one ended, with its log
      const restarting = first.history
        .slice(start)
        .map((snapshot) => snapshot.find((c) => c.name === 'etcd'))
        .find((c) => c?.phase === 'starting');
      expect(restarting?.message).toMatch(/^previous run exited on signal SIGKILL; /);
      expect(restarting?.lastLogLines?.length).toBeGreaterThan(0);
      expect(after.message).toBeNull();
      expect(after.lastLogLines).toBeUndefined();
      expect(isAlive(before.pid!)).toBe(false);
      expect(await health()).toBe(200);
    });

    it('restarts once on a spec change, keeping the data dir', async () => {
      const before = observed(first.sup, 'etcd')!;
      const start = first.history.length;
      const dataMarker = join(new StateDir(join(root, stateName)).dataDir('etcd'), 'member');
      await first.sup.apply(desired(2, [{ name: 'etcd', kind: 'etcd', specHash: 'v2', spec: etcdSpec(['--heartbeat-interval=150']) }]));
      const after = await waitFor('etcd v2 healthy', () => etcdHealthy(first.sup, 'v2'), 30_000);
      pidAfterSpecChange = after.pid!;
      expect(after.pid).not.toBe(before.pid);
      expect(isAlive(before.pid!)).toBe(false);
      expect(readFileSync(`/proc/${after.pid}/cmdline`, 'utf8')).toContain('--heartbeat-interval=150');
      const pidsSince = new Set(
        first.history
          .slice(start)
          .map((s) => s.find((c) => c.name === 'etcd' && c.specHash === 'v2')?.pid)
          .filter((p) => p),
      );
      expect([...pidsSince]).toEqual([after.pid]);
      expect(after.restarts).toBe(1); // planned replacements are not counted as restarts
      expect(existsSync(dataMarker)).toBe(true);
      // the removed dependent was stopped and wiped
      expect(observed(first.sup, 'after-etcd')).toBeUndefined();
      expect(pidsWithCmdline(join(root, 'bin', 'sleeper'))).toEqual([]);
    });

    it('a second supervisor over the same state dir adopts the running etcd', async () => {
      await first.sup.close({ stopComponents: false });
      expect(isAlive(pidAfterSpecChange)).toBe(true);

      const second = supervisor(stateName);
      await second.sup.apply(desired(2, [{ name: 'etcd', kind: 'etcd', specHash: 'v2', spec: etcdSpec(['--heartbeat-interval=150']) }]));
      const adopted = await waitFor('adopted etcd healthy', () => etcdHealthy(second.sup, 'v2'));
      expect(adopted.pid).toBe(pidAfterSpecChange);
      expect(adopted.message).toBeNull();
      expect(second.history.some((s) => s[0]?.message === 'adopted after agent restart')).toBe(true);
      // still exactly one etcd on this data dir, and no second start in its log
      await new Promise((r) => setTimeout(r, 1500));
      expect(pidsWithCmdline(join(root, stateName, 'data', 'etcd'))).toEqual([pidAfterSpecChange]);
      expect(observed(second.sup, 'etcd')?.pid).toBe(pidAfterSpecChange);

      // an adopted process is not our child: its death is noticed by polling and it is restarted
      process.kill(pidAfterSpecChange, 'SIGKILL');
      const restarted = await waitFor('adopted etcd restarted', () => {
        const c = etcdHealthy(second.sup, 'v2');
        return c && c.pid !== pidAfterSpecChange ? c : undefined;
      });
      expect(restarted.restarts).toBe(1);

      // removal stops it, leaves no process, wipes its dirs
      await second.sup.apply(desired(3, []));
      expect(second.sup.snapshot()).toEqual({ observedRevision: 3, components: [] });
      expect(isAlive(restarted.pid!)).toBe(false);
      expect(pidsWithCmdline(join(root, stateName, 'data', 'etcd'))).toEqual([]);
      const state = new StateDir(join(root, stateName));
      expect(existsSync(state.dataDir('etcd'))).toBe(false);
      expect(existsSync(state.componentDir('etcd'))).toBe(false);
      expect(existsSync(state.recordPath('etcd'))).toBe(false);
      expect(await health()).toBe(0);
    });
  });

  it('runs teardown steps when a component is removed (before and after it stops), not on a spec change', async () => {
    const { sup } = supervisor('teardown');
    const marks = join(root, 'teardown-marks');
    const spec = (arg: string): ComponentSpec => ({
      name: 'keeper',
      kind: 'test',
      binary: 'sleeper',
      args: [arg],
      files: [],
      ports: [],
      teardown: [
        // before-stop sees the component still running; after-stop sees it gone
        { when: 'before-stop', command: ['run-script', `pgrep -f "sleeper up|sleep 600" >/dev/null && echo before-running >> ${marks}`], timeoutSeconds: 10 },
        { when: 'after-stop', command: ['${binDir}/run-script', `echo after \${dataDir} >> ${marks}`], timeoutSeconds: 10 },
        // outside --bin-dir: never run, even if a desired state carrying it got past validation
        { when: 'after-stop', command: ['/bin/sh', '-c', `echo outside >> ${marks}`], timeoutSeconds: 10 },
      ],
    });
    await sup.apply(desired(1, [{ name: 'keeper', kind: 'test', specHash: 't1', spec: spec('a') }]));
    await waitFor('keeper running', () => observed(sup, 'keeper')?.phase === 'running');
    await sup.apply(desired(2, [{ name: 'keeper', kind: 'test', specHash: 't2', spec: spec('b') }]));
    await waitFor('keeper on t2', () => observed(sup, 'keeper')?.specHash === 't2' && observed(sup, 'keeper')?.phase === 'running');
    expect(existsSync(marks)).toBe(false);
    await sup.apply(desired(3, []));
    await waitFor('keeper removed', () => observed(sup, 'keeper') === undefined);
    expect(readFileSync(marks, 'utf8')).toBe(`before-running\nafter ${join(root, 'teardown', 'data', 'keeper')}\n`);
  });

  it('removes a component only after every removed component that depends on it', async () => {
    const { sup } = supervisor('removal-order');
    const log = join(root, 'removal-order.log');
    const spec = (name: string, dependsOn?: string[]): ComponentSpec => ({
      name,
      kind: 'test',
      binary: 'sleeper',
      args: [name],
      files: [],
      ports: [],
      ...(dependsOn ? { dependsOn } : {}),
      teardown: [
        { when: 'before-stop', command: ['run-script', `echo ${name} before >> ${log}`], timeoutSeconds: 10 },
        { when: 'after-stop', command: ['run-script', `echo ${name} after >> ${log}`], timeoutSeconds: 10 },
      ],
    });
    await sup.apply(desired(1, [
      { name: 'runtime', kind: 'test', specHash: 'r1', spec: spec('runtime') },
      { name: 'node-agent', kind: 'test', specHash: 'n1', spec: spec('node-agent', ['runtime']) },
    ]));
    await waitFor('both running', () => observed(sup, 'runtime')?.phase === 'running' && observed(sup, 'node-agent')?.phase === 'running');
    await sup.apply(desired(2, []));
    await waitFor('both removed', () => sup.snapshot().components.length === 0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['node-agent before', 'node-agent after', 'runtime before', 'runtime after']);
  });

  it('flags a crash loop with the last log lines', async () => {
    const { sup } = supervisor('crash-host', { tuning: { restartBackoff: { baseMs: 50, maxMs: 200, jitter: 0.2 } } });
    await sup.apply(desired(1, [{ name: 'crasher', kind: 'test', specHash: 'c1', spec: { name: 'crasher', kind: 'test', binary: 'crasher', args: [], files: [], ports: [] } }]));
    const c = await waitFor('crash loop', () => {
      const o = observed(sup, 'crasher');
      return o?.crashLoop ? o : undefined;
    });
    expect(c.phase).toBe('failed');
    expect(c.exitCode).toBe(3);
    expect(c.restarts).toBeGreaterThanOrEqual(2);
    expect(c.lastLogLines).toContain('boom: config is broken');
    expect(c.lastLogLines!.length).toBeLessThanOrEqual(20);
    await sup.close({ stopComponents: true });
  });

  it('restarts a process that fails its probe failureThreshold times in a row', async () => {
    const closedPort = await freePort(address);
    const { sup } = supervisor('probe-host');
    await sup.apply(
      desired(1, [
        {
          name: 'deaf',
          kind: 'test',
          specHash: 'p1',
          spec: {
            name: 'deaf',
            kind: 'test',
            binary: 'sleeper',
            args: ['deaf'],
            files: [],
            ports: [],
            probe: { type: 'tcp', port: closedPort, intervalSeconds: 0.2, timeoutSeconds: 1, failureThreshold: 2 },
          },
        },
      ]),
    );
    const first = await waitFor('deaf started', () => observed(sup, 'deaf')?.pid);
    expect(observed(sup, 'deaf')?.healthy).toBe(false);
    const restarted = await waitFor('deaf restarted', () => {
      const o = observed(sup, 'deaf');
      return o?.pid && o.pid !== first ? o : undefined;
    });
    expect(restarted.restarts).toBe(1);
    expect(isAlive(first)).toBe(false);
    await sup.close({ stopComponents: true });
    expect(isAlive(restarted.pid!)).toBe(false);
  });

  it('reports a missing binary as failed and keeps the bin dir the only place looked in', async () => {
    const { sup } = supervisor('missing-host');
    await sup.apply(desired(1, [{ name: 'ghost', kind: 'test', specHash: 'g1', spec: { name: 'ghost', kind: 'test', binary: 'sh', args: [], files: [], ports: [] } }]));
    const o = await waitFor('ghost failed', () => (observed(sup, 'ghost')?.phase === 'failed' ? observed(sup, 'ghost') : undefined));
    expect(o.message).toMatch(/binary sh not found or not executable in/);
    await sup.close({ stopComponents: true });
  });
});
