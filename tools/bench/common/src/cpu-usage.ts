import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostHarness } from '@corral/test-hosts';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks */
const TICKS_PER_SECOND = 100;

/**
 * CPU time of one process from /proc/<pid>/stat, in ms: its own (user + system), and that of its
 * children it has waited for (e.g. an agent's exec probes). Null when it is gone.
 */
export function processCpuMs(pid: number): { self: number; children: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "(comm)": state is field 3, utime/stime/cutime/cstime are fields 14-17
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = (i: number) => Number(f[i - 3]);
    return { self: ((ticks(14) + ticks(15)) * 1000) / TICKS_PER_SECOND, children: ((ticks(16) + ticks(17)) * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** CPU time of everything that ran in a node host's cgroup (cpuacct.usage), in ms; null for other hosts. */
export function hostCpuMs(harness: HostHarness, index: number): number | null {
  const dir = harness.hosts[index]?.node?.cgroupDirs.find((d) => /\/cpuacct(,|\/)|,cpuacct\//.test(d));
  if (!dir || !existsSync(join(dir, 'cpuacct.usage'))) return null;
  return Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8').trim()) / 1e6;
}

/** the sum of hostCpuMs over every host of the harness (null if any host has none) */
export function harnessCpuMs(harness: HostHarness): number | null {
  let total = 0;
  for (let i = 0; i < harness.hosts.length; i++) {
    const ms = hostCpuMs(harness, i);
    if (ms === null) return null;
    total += ms;
  }
  return total;
}
