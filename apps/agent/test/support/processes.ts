import { readdirSync, readFileSync } from 'node:fs';
import { readProcStat } from '../../src/supervisor/proc-stat';

/** A random loopback address, so parallel test runs on this machine do not share ports. */
export function randomLoopback(): string {
  return `127.0.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 2}`;
}

export { freePort } from '@corral/testing';

export function isAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** Live pids whose command line contains `needle` (e.g. a unique temp path). */
export function pidsWithCmdline(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle) && isAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // raced with its exit
    }
  }
  return pids;
}

/** SIGKILL to each pid's process group and the pid itself; ignores what is already gone. */
export function killGroups(pids: Iterable<number>): void {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}
