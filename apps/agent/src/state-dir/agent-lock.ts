import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { isSameLiveProcess, readProcStat } from '../supervisor/proc-stat';
import type { StateDir } from './state-dir';

/**
 * One agent per state dir: two would start every component twice. The lock file names the
 * owner by pid and process start time, so a lock left by a dead agent is taken over.
 */
export class AgentLock {
  private held = false;

  constructor(private readonly stateDir: StateDir) {}

  acquire(): void {
    const self = readProcStat(process.pid);
    const content = JSON.stringify({ pid: process.pid, startTime: self?.startTime ?? null });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.stateDir.lockPath, 'wx', 0o600);
        writeSync(fd, content);
        closeSync(fd);
        this.held = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = this.readOwner();
      if (owner && owner.pid !== process.pid && owner.startTime && isSameLiveProcess(owner.pid, owner.startTime)) {
        throw new Error(`another corral-agent (pid ${owner.pid}) is using state dir ${this.stateDir.root}`);
      }
      rmSync(this.stateDir.lockPath, { force: true });
    }
    throw new Error(`could not lock state dir ${this.stateDir.root}`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    rmSync(this.stateDir.lockPath, { force: true });
  }

  private readOwner(): { pid: number; startTime: string | null } | null {
    try {
      return JSON.parse(readFileSync(this.stateDir.lockPath, 'utf8'));
    } catch {
      return null;
    }
  }
}
