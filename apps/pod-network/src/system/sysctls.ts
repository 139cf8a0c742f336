import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SysctlSpec {
  key: string;
  value: string;
  /** set only when this directory under /proc/sys exists (a kernel module provides it) */
  onlyWith?: { dir: string; missing: string };
}

/**
 * Forwarding between the host's interfaces (pods on other hosts, the outside), and bridged pod
 * traffic through iptables: without it, a pod reaching a Service whose endpoint is on the same
 * bridge skips kube-proxy's rules (br_netfilter provides net.bridge; it is per network namespace).
 */
export const POD_NETWORK_SYSCTLS: readonly SysctlSpec[] = [
  { key: 'net.ipv4.ip_forward', value: '1' },
  {
    key: 'net.bridge.bridge-nf-call-iptables',
    value: '1',
    onlyWith: { dir: 'net/bridge', missing: 'br_netfilter is not loaded (modprobe br_netfilter): Service traffic between pods on one bridge skips kube-proxy' },
  },
];

export const sysctlPath = (procSys: string, key: string): string => join(procSys, ...key.split('.'));

export interface SysctlResult {
  /** "net.ipv4.ip_forward=1" for each value written */
  changed: string[];
  /** why a sysctl was left alone */
  skipped: string[];
}

/** Writes each value that differs; an error names the sysctl, its file and the errno. */
export async function ensureSysctls(procSys = '/proc/sys', specs: readonly SysctlSpec[] = POD_NETWORK_SYSCTLS): Promise<SysctlResult> {
  const result: SysctlResult = { changed: [], skipped: [] };
  for (const spec of specs) {
    if (spec.onlyWith && !(await exists(join(procSys, spec.onlyWith.dir)))) {
      result.skipped.push(`${spec.key}: ${spec.onlyWith.missing}`);
      continue;
    }
    const path = sysctlPath(procSys, spec.key);
    let current: string;
    try {
      current = (await readFile(path, 'utf8')).trim();
    } catch (err) {
      throw new Error(`sysctl ${spec.key}: read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (current === spec.value) continue;
    try {
      await writeFile(path, `${spec.value}\n`);
    } catch (err) {
      throw new Error(`sysctl ${spec.key}=${spec.value}: write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    result.changed.push(`${spec.key}=${spec.value}`);
  }
  return result;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
