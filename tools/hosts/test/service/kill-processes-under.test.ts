import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcessesUnder, processesUnder } from '../../src/loopback-agents';

/** running, not a zombie (the leader is this test's child until it is reaped) */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/**
 * The loopback teardown finds a run's processes by their command line and by their working
 * directory: an agent's component (its own session, reparented to init once the agent is gone)
 * whose flags name no path of the run, as pod-network's, is found and killed with its group.
 */
describe('killProcessesUnder', () => {
  const root = mkdtempSync(join(tmpdir(), 'corral-kill-under-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('kills a detached process that only runs in the directory, and what it started', async () => {
    const cwd = join(root, 'node-1', 'components', 'pod-network');
    mkdirSync(cwd, { recursive: true });
    // a group leader (like a component) with a child of its own; nothing in either command line names the root
    const leader = spawn('sh', ['-c', 'sleep 300 & wait'], { cwd, detached: true, stdio: 'ignore' });
    leader.unref();
    await new Promise((r) => setTimeout(r, 200));
    const found = processesUnder(root);
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(found.some((line) => line.includes(root))).toBe(false);
    const pids = killProcessesUnder(root);
    expect(pids).toContain(leader.pid);
    for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 20));
    expect(pids.filter(alive)).toEqual([]);
    expect(processesUnder(root)).toEqual([]);
  });
});
