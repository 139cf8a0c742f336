import type { ComponentSpec, DesiredComponent, DesiredState, InitStep, ObservedComponent } from '@corral/contracts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AgentApiClient, HttpError } from '../../src/client/agent-api-client';
import { StateDir } from '../../src/state-dir/state-dir';
import { INIT_MARKER_DIR } from '../../src/supervisor/component-runner';
import { Supervisor, type SupervisorOptions } from '../../src/supervisor/supervisor';
import { isAlive, killGroups, pidsWithCmdline, randomLoopback } from '../support/processes';
import { waitFor } from '../support/wait-for';
import { recordingSupervisor } from '../support/recording-supervisor';

jest.setTimeout(60_000);

const logger = pino({ level: process.env.AGENT_TEST_LOG ?? 'silent' });
const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');
const fastBackoff = { restartBackoff: { baseMs: 50, maxMs: 300, jitter: 0.2 } };

/** Serves /v1/agent/etcd-snapshots/<id>/data from `files`, counting requests and remembering auth headers. */
class SnapshotServer {
  readonly files = new Map<string, string>();
  readonly requests: string[] = [];
  readonly authorizations: string[] = [];
  private server: http.Server | null = null;
  port = 0;

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.requests.push(req.url ?? '');
      this.authorizations.push(req.headers.authorization ?? '');
      const m = /^\/v1\/agent\/etcd-snapshots\/([^/]+)\/data$/.exec(req.url ?? '');
      const body = m ? this.files.get(m[1]) : undefined;
      if (body === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such snapshot"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** what the agent's Supervisor is given: a server path fetched into a file */
  download = async (path: string, file: string, signal?: AbortSignal): Promise<{ sha256: string; bytes: number }> => {
    const res = await fetch(`${this.url}${path}`, { signal });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    writeFileSync(file, body, { mode: 0o600 });
    return { sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length };
  };
}

describe('init steps with real processes and downloads', () => {
  let root: string;
  let binDir: string;
  const files = new SnapshotServer();
  const supervisors: Supervisor[] = [];
  const seenPids = new Set<number>();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'corral-init-'));
    binDir = join(root, 'bin');
    mkdirSync(binDir);
    // restorer <snapshot> <output>: counts its runs, fails while $FAIL_FLAG exists (leaving a
    // half-done output behind), and otherwise creates <output> (mkdir without -p: it must not
    // exist yet) with a copy of the snapshot
    writeFileSync(
      join(binDir, 'restorer'),
      [
        '#!/bin/sh',
        'echo "restorer: $* (HOME=$HOME, component env: ${COMPONENT_ONLY:-unset})"',
        'echo run >> "$COUNTER"',
        'if [ -e "$FAIL_FLAG" ]; then mkdir -p "$2" && echo half > "$2/partial"; echo "restore failed: snapshot is corrupt"; exit 1; fi',
        'mkdir "$2" || exit 4',
        'cp "$1" "$2/db" || exit 5',
        'echo "restored into $2"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    // restored <data>: runs only on restored data
    writeFileSync(
      join(binDir, 'restored'),
      '#!/bin/sh\ntest -f "$1/db" || { echo "no restored data in $1"; exit 2; }\necho "serving $(cat "$1/db")"\nexec sleep 600\n',
      { mode: 0o755 },
    );
    await files.start();
  });

  afterAll(async () => {
    await Promise.allSettled(supervisors.map((s) => s.close({ stopComponents: true })));
    killGroups(seenPids);
    killGroups(pidsWithCmdline(root));
    await files.stop();
    rmSync(root, { recursive: true, force: true });
  });

  function supervisor(stateName: string, extra: Partial<SupervisorOptions> = {}): { sup: Supervisor; history: ObservedComponent[][] } {
    return recordingSupervisor(
      {
        stateDir: new StateDir(join(root, stateName)),
        binDir,
        address: randomLoopback(),
        hostname: 'node-a',
        logger,
        adoptPollMs: 200,
        tuning: fastBackoff,
        download: files.download,
        ...extra,
      },
      { supervisors, seenPids },
    );
  }

  const observed = (sup: Supervisor, name: string) => sup.snapshot().components.find((c) => c.name === name);
  const desired = (revision: number, components: DesiredComponent[]): DesiredState => ({ hostId: 'h1', revision, components });
  const running = (sup: Supervisor, name: string, specHash: string) => {
    const c = observed(sup, name);
    return c?.phase === 'running' && c.specHash === specHash && c.pid ? c : undefined;
  };
  const failed = (sup: Supervisor, name: string) => {
    const c = observed(sup, name);
    return c?.phase === 'failed' ? c : undefined;
  };
  const runs = (counter: string) => (existsSync(counter) ? readFileSync(counter, 'utf8').split('\n').filter(Boolean).length : 0);

  /** a component that serves restored data, with one init step restoring snapshot `id` into ${dataDir}/restore-1 */
  function restoredComponent(name: string, specHash: string, id: string, content: string, extraArgs: string[] = []): DesiredComponent {
    const step: InitStep = {
      name: 'restore-snapshot',
      binary: 'restorer',
      args: ['${componentDir}/restore/snapshot.db', '${dataDir}/restore-1'],
      env: { COUNTER: join(root, `${name}.count`), FAIL_FLAG: join(root, `${name}.fail`) },
      downloads: [{ url: `/v1/agent/etcd-snapshots/${id}/data`, sha256: sha256(content), path: 'restore/snapshot.db' }],
      output: '${dataDir}/restore-1',
    };
    const spec: ComponentSpec = {
      name,
      kind: 'test',
      binary: 'restored',
      args: ['${dataDir}/restore-1', ...extraArgs],
      env: { COMPONENT_ONLY: 'yes' },
      files: [{ path: 'conf/x', content: 'x', mode: 0o600 }],
      ports: [],
      init: [step],
    };
    return { name, kind: 'test', specHash, spec };
  }

  it('downloads and checks the file, runs the step once per data dir, then starts the component', async () => {
    files.files.set('snap-1', 'snapshot one');
    const state = new StateDir(join(root, 'ok-host'));
    const counter = join(root, 'ok.count');
    const first = supervisor('ok-host');
    await first.sup.apply(desired(1, [restoredComponent('ok', 's1', 'snap-1', 'snapshot one')]));
    const up = await waitFor('ok running', () => running(first.sup, 'ok', 's1'), 20_000, 50, () => first.sup.snapshot());
    expect(up.restarts).toBe(0);
    expect(runs(counter)).toBe(1);
    expect(files.requests.filter((r) => r.includes('snap-1'))).toHaveLength(1);

    // reported as starting with the step's name while it ran, never failed
    const phases = first.history.map((s) => s.find((c) => c.name === 'ok'));
    expect(phases).toContainEqual(expect.objectContaining({ phase: 'starting', message: 'init step restore-snapshot', pid: null }));
    expect(phases.some((c) => c?.phase === 'failed')).toBe(false);

    // output created, download gone, marker kept in the data dir
    expect(readFileSync(join(state.dataDir('ok'), 'restore-1/db'), 'utf8')).toBe('snapshot one');
    expect(existsSync(join(state.componentDir('ok'), 'restore/snapshot.db'))).toBe(false);
    const markers = readdirSync(join(state.dataDir('ok'), INIT_MARKER_DIR));
    expect(markers).toHaveLength(1);
    expect(markers[0]).toMatch(/^restore-snapshot-[0-9a-f]{16}$/);

    // the step's output went to the component log, after the agent's line, with the small
    // environment (HOME = component dir) plus the step's env, not the component's
    const log = readFileSync(state.logPath('ok'), 'utf8');
    expect(log).toMatch(/--- corral-agent \S+: init step restore-snapshot\nrestorer: /);
    expect(log).toContain(`(HOME=${state.componentDir('ok')}, component env: unset)`);
    expect(log.indexOf('init step restore-snapshot')).toBeLessThan(log.indexOf('starting ok (spec s1)'));
    // the component itself writes once it has started; running does not wait for that line
    await waitFor('the component to log what it serves', () => readFileSync(state.logPath('ok'), 'utf8').includes('serving snapshot one'), 10_000, 20);

    // a spec change keeping the step: restarted, the step not run again
    await first.sup.apply(desired(2, [restoredComponent('ok', 's2', 'snap-1', 'snapshot one', ['--changed'])]));
    await waitFor('ok running with s2', () => running(first.sup, 'ok', 's2'), 20_000, 50, () => first.sup.snapshot());
    expect(runs(counter)).toBe(1);

    // a crash: restarted without the step
    const pid = observed(first.sup, 'ok')!.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor('ok restarted', () => {
      const c = running(first.sup, 'ok', 's2');
      return c && c.pid !== pid ? c : undefined;
    });
    expect(runs(counter)).toBe(1);

    // a new agent life over the same state dir adopts the process: nothing runs again
    const adoptedPid = observed(first.sup, 'ok')!.pid!;
    await first.sup.close({ stopComponents: false });
    const second = supervisor('ok-host');
    await second.sup.apply(desired(2, [restoredComponent('ok', 's2', 'snap-1', 'snapshot one', ['--changed'])]));
    const adopted = await waitFor('ok adopted', () => running(second.sup, 'ok', 's2'));
    expect(adopted.pid).toBe(adoptedPid);
    expect(adopted.message).toBe('adopted after agent restart');
    // ... and stopped and started by that new life: still no second run
    await second.sup.close({ stopComponents: true });
    expect(isAlive(adoptedPid)).toBe(false);
    const third = supervisor('ok-host');
    await third.sup.apply(desired(3, [restoredComponent('ok', 's2', 'snap-1', 'snapshot one', ['--changed'])]));
    await waitFor('ok started by a third life', () => running(third.sup, 'ok', 's2'));
    expect(runs(counter)).toBe(1);
    expect(files.requests.filter((r) => r.includes('snap-1'))).toHaveLength(1);

    // removal wipes the data dir and the marker with it: a new component of that name restores again
    await third.sup.apply(desired(4, []));
    expect(existsSync(state.dataDir('ok'))).toBe(false);
    await third.sup.apply(desired(5, [restoredComponent('ok', 's2', 'snap-1', 'snapshot one', ['--changed'])]));
    await waitFor('ok running again', () => running(third.sup, 'ok', 's2'));
    expect(runs(counter)).toBe(2);
    await third.sup.close({ stopComponents: true });
  });

  it('fails on a hash mismatch without running anything, and retries until the content is right', async () => {
    files.files.set('snap-2', 'tampered');
    const state = new StateDir(join(root, 'hash-host'));
    const { sup, history } = supervisor('hash-host');
    await sup.apply(desired(1, [restoredComponent('hash', 'h1', 'snap-2', 'the real snapshot')]));
    const f = await waitFor('hash failed', () => failed(sup, 'hash'), 20_000, 20, () => sup.snapshot());
    expect(f.message).toContain('cannot start: init step restore-snapshot: sha256 mismatch for restore/snapshot.db');
    expect(f.message).toContain(`expected ${sha256('the real snapshot')}, got ${sha256('tampered')}`);
    expect(f.message).toMatch(/retrying in \d+\.\ds$/);
    expect(f.pid).toBeNull();
    expect(f.lastLogLines?.join('\n')).toMatch(/--- corral-agent \S+: init step restore-snapshot: sha256 mismatch for restore\/snapshot.db/);
    // retried with backoff, still nothing run or started, nothing left on disk
    await waitFor('retried', () => files.requests.filter((r) => r.includes('snap-2')).length >= 3);
    expect(runs(join(root, 'hash.count'))).toBe(0);
    expect(history.some((s) => s.some((c) => c.name === 'hash' && c.pid))).toBe(false);
    expect(existsSync(join(state.componentDir('hash'), 'restore/snapshot.db'))).toBe(false);
    expect(readFileSync(state.logPath('hash'), 'utf8')).not.toContain('starting hash');

    files.files.set('snap-2', 'the real snapshot');
    await waitFor('hash running', () => running(sup, 'hash', 'h1'), 20_000, 50, () => sup.snapshot());
    expect(readFileSync(join(state.dataDir('hash'), 'restore-1/db'), 'utf8')).toBe('the real snapshot');
    expect(runs(join(root, 'hash.count'))).toBe(1);
    await sup.close({ stopComponents: true });
  });

  it('reports a failing step with its output, and starts once the step succeeds', async () => {
    files.files.set('snap-3', 'snapshot three');
    const flag = join(root, 'bad.fail');
    writeFileSync(flag, '');
    const { sup } = supervisor('bad-host');
    await sup.apply(desired(1, [restoredComponent('bad', 'b1', 'snap-3', 'snapshot three')]));
    const f = await waitFor('bad failed', () => failed(sup, 'bad'), 20_000, 20, () => sup.snapshot());
    expect(f.message).toMatch(/^cannot start: init step restore-snapshot exited with code 1; retrying in \d+\.\ds$/);
    expect(f.lastLogLines).toContain('restore failed: snapshot is corrupt');
    expect(f.lastLogLines?.[f.lastLogLines.length - 1]).toMatch(/--- corral-agent \S+: init step restore-snapshot exited with code 1$/);
    expect(f.pid).toBeNull();
    await waitFor('retried', () => runs(join(root, 'bad.count')) >= 3);
    // downloads do not outlive a failed attempt either: between attempts the file is gone (kept,
    // it would be there for good: a new download replaces it atomically)
    const download = join(new StateDir(join(root, 'bad-host')).componentDir('bad'), 'restore/snapshot.db');
    await waitFor('the download removed between attempts', () => !existsSync(download), 10_000, 2);

    rmSync(flag);
    const up = await waitFor('bad running', () => running(sup, 'bad', 'b1'), 20_000, 50, () => sup.snapshot());
    expect(up.restarts).toBe(0);
    expect(up.lastLogLines).toBeUndefined();
    await sup.close({ stopComponents: true });
  });

  it('removes a half-done output from a failed attempt before the next attempt', async () => {
    files.files.set('snap-4', 'snapshot four');
    const state = new StateDir(join(root, 'half-host'));
    const flag = join(root, 'half.fail');
    writeFileSync(flag, '');
    const { sup } = supervisor('half-host');
    await sup.apply(desired(1, [restoredComponent('half', 'x1', 'snap-4', 'snapshot four')]));
    await waitFor('half failed', () => failed(sup, 'half'), 20_000, 20);
    await waitFor('half-done output', () => existsSync(join(state.dataDir('half'), 'restore-1/partial')));

    // the script's `mkdir` (no -p) exits 4 if the old output were still there
    rmSync(flag);
    await waitFor('half running', () => running(sup, 'half', 'x1'), 20_000, 50, () => sup.snapshot());
    expect(readdirSync(join(state.dataDir('half'), 'restore-1'))).toEqual(['db']);
    await sup.close({ stopComponents: true });
  });

  it('refuses an output outside the component directories, and a failed download names its cause', async () => {
    const { sup } = supervisor('refuse-host');
    const outside = restoredComponent('outside', 'o1', 'snap-1', 'snapshot one');
    outside.spec.init![0].output = join(root, 'elsewhere');
    const missing = restoredComponent('missing', 'm1', 'no-such-snapshot', 'whatever');
    await sup.apply(desired(1, [outside, missing]));
    const o = await waitFor('outside failed', () => failed(sup, 'outside'));
    expect(o.message).toContain(`init step restore-snapshot: output "${join(root, 'elsewhere')}" must be inside the component's data or component directory`);
    const m = await waitFor('missing failed', () => failed(sup, 'missing'));
    expect(m.message).toContain('GET /v1/agent/etcd-snapshots/no-such-snapshot/data: 404');
    expect(runs(join(root, 'outside.count')) + runs(join(root, 'missing.count'))).toBe(0);
    await sup.close({ stopComponents: true });
  });

  it('kills a step still running when the component is stopped', async () => {
    writeFileSync(join(binDir, 'slow-step'), `#!/bin/sh\necho "slow step $$"\nexec sleep 600\n`, { mode: 0o755 });
    const { sup } = supervisor('slow-host');
    const spec: ComponentSpec = {
      name: 'slow',
      kind: 'test',
      binary: 'restored',
      args: [],
      files: [],
      ports: [],
      init: [{ name: 'wait-forever', binary: 'slow-step', args: [], output: '${dataDir}/out' }],
    };
    await sup.apply(desired(1, [{ name: 'slow', kind: 'test', specHash: 'w1', spec }]));
    const log = new StateDir(join(root, 'slow-host')).logPath('slow');
    const stepPid = await waitFor('step running', () => Number(/slow step (\d+)/.exec(existsSync(log) ? readFileSync(log, 'utf8') : '')?.[1]) || undefined);
    expect(observed(sup, 'slow')).toMatchObject({ phase: 'starting', message: 'init step wait-forever' });
    await sup.apply(desired(2, []));
    expect(isAlive(stepPid)).toBe(false);
    await sup.close({ stopComponents: true });
  });
});

describe('AgentApiClient.downloadToFile', () => {
  const server = new SnapshotServer();
  let client: AgentApiClient;

  beforeAll(async () => {
    await server.start();
    server.files.set('snap-9', 'bytes \u0000\u00ff');
    client = new AgentApiClient(new URL(server.url));
    client.setCredential('host-cred');
  });

  afterAll(() => server.stop());

  it('streams a server path into a file with the host credential, hashing it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'corral-download-')), 'snap.db');
    const got = await client.downloadToFile('/v1/agent/etcd-snapshots/snap-9/data', file);
    const expected = Buffer.from('bytes \u0000\u00ff');
    expect(readFileSync(file).equals(expected)).toBe(true);
    expect(got).toEqual({ sha256: createHash('sha256').update(expected).digest('hex'), bytes: expected.length });
    expect(server.authorizations[server.authorizations.length - 1]).toBe('Bearer host-cred');
  });

  it('throws on an error answer and refuses anything but a server path', async () => {
    await expect(client.downloadToFile('/v1/agent/etcd-snapshots/nope/data', join(tmpdir(), 'corral-never'))).rejects.toThrow(HttpError);
    await expect(client.downloadToFile('/v1/agent/etcd-snapshots/nope/data', join(tmpdir(), 'corral-never'))).rejects.toThrow(/404/);
    const before = server.requests.length;
    await expect(client.downloadToFile('http://example.invalid/x', join(tmpdir(), 'corral-never'))).rejects.toThrow(/not a server path/);
    await expect(client.downloadToFile('//example.invalid/x', join(tmpdir(), 'corral-never'))).rejects.toThrow(/not a server path/);
    expect(server.requests.length).toBe(before);
  });
});
