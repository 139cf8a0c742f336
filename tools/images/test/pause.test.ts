// The pause program on the host: compiled as the image build compiles it, then checked for what a
// sandbox needs: it blocks, exits 0 on SIGTERM/SIGINT, and (as PID 1 of a pid namespace, root
// only) reaps the orphans re-parented to it, where an init that does not reap leaves zombies.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePause } from '../src/toolchain';
import { untilDefined } from '@corral/testing';

let dir: string;
let pause: string;
const started: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-pause-test-'));
  pause = join(dir, 'pause');
  writeFileSync(pause, compilePause().data);
  chmodSync(pause, 0o755);
});

afterAll(() => {
  for (const c of started) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(argv: string[]): { child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null }>; stderr: () => string } {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  return { child, exit, stderr: () => stderr };
}

/** [pid, comm, state] of the processes whose parent is ppid. */
function childrenOf(ppid: number): { pid: number; comm: string; state: string }[] {
  const out: { pid: number; comm: string; state: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, parent] = stat.slice(close + 2).split(' ');
    if (Number(parent) === ppid) out.push({ pid: Number(name), comm, state });
  }
  return out;
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  return untilDefined(fn, { what, timeoutMs, intervalMs: 50 });
}

it('is a static binary that prints its version with -v', () => {
  const r = spawnSync(pause, ['-v'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('pause 3.10 (corral)\n');
  expect(spawnSync('file', [pause], { encoding: 'utf8' }).stdout).toMatch(/statically linked/);
});

it.each(['SIGTERM', 'SIGINT'] as const)('blocks until %s, then exits 0', async (signal) => {
  const p = start([pause]);
  await sleep(300);
  expect(p.child.exitCode).toBeNull();
  p.child.kill('SIGCHLD'); // handled (a reap of nothing), not a reason to exit
  await sleep(100);
  expect(p.child.exitCode).toBeNull();
  p.child.kill(signal);
  expect(await p.exit).toEqual({ code: 0, signal: null });
  expect(p.stderr()).toContain(`pause: ${signal}, shutting down`);
});

const rootWithUnshare = process.getuid?.() === 0 && existsSync('/usr/bin/unshare') && existsSync('/usr/bin/nsenter');
if (!rootWithUnshare) console.warn('pause reaping test SKIPPED: needs root and util-linux unshare/nsenter');
const reaping = rootWithUnshare ? describe : describe.skip;

reaping('as PID 1 of a pid namespace', () => {
  /**
   * Starts `init` as PID 1 of a new pid namespace, orphans a short `sleep` inside it (its shell
   * parent exits at once), and returns what became of that sleep after it ended.
   */
  async function orphanUnder(init: string[]): Promise<{ sawOrphan: boolean; afterExit: string }> {
    const ns = start(['unshare', '--pid', '--fork', '--kill-child', ...init]);
    try {
      const initPid = await waitFor('the namespace init', () => childrenOf(ns.child.pid!)[0]?.pid);
      // stdio ignored: with pipes, spawnSync would wait for the orphan, which holds them, to end
      const r = spawnSync('nsenter', ['-t', String(initPid), '-p', '--', '/bin/sh', '-c', 'sleep 1 & exit 0'], { stdio: 'ignore' });
      expect(r.status).toBe(0);
      const orphan = await waitFor('the orphan under init', () => childrenOf(initPid).find((c) => c.comm === 'sleep'), 5_000);
      await sleep(2_000); // the orphan has exited by now
      const after = childrenOf(initPid).find((c) => c.pid === orphan.pid);
      return { sawOrphan: true, afterExit: after ? `state ${after.state}` : 'gone' };
    } finally {
      ns.child.kill('SIGKILL');
      await ns.exit;
    }
  }

  it('reaps an orphan re-parented to it', async () => {
    expect(await orphanUnder([pause])).toEqual({ sawOrphan: true, afterExit: 'gone' });
  });

  it('(control: an init that does not reap leaves the orphan a zombie)', async () => {
    expect(await orphanUnder(['/bin/sleep', '30'])).toEqual({ sawOrphan: true, afterExit: 'state Z' });
  });

  it('exits 0 on SIGTERM as PID 1', async () => {
    const ns = start(['unshare', '--pid', '--fork', '--kill-child', pause]);
    const initPid = await waitFor('the namespace init', () => childrenOf(ns.child.pid!)[0]?.pid);
    // a signal from outside the namespace reaches its init only once a handler is installed
    const catches = () => BigInt(`0x${/^SigCgt:\s+([0-9a-f]+)/m.exec(readFileSync(`/proc/${initPid}/status`, 'utf8'))![1]}`);
    await waitFor('pause to install its SIGTERM handler', () => ((catches() >> 14n) & 1n ? true : undefined));
    process.kill(initPid, 'SIGTERM');
    expect(await ns.exit).toEqual({ code: 0, signal: null });
  });
});
