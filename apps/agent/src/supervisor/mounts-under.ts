import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Decodes the octal escapes mountinfo uses for spaces, tabs, newlines and backslashes. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Mount points at or below `dir` in a /proc/self/mountinfo text, deepest first (the order to
 * unmount them in). Field 5 of each line is the mount point.
 */
export function mountPointsUnder(mountinfo: string, dir: string): string[] {
  const root = dir.replace(/\/+$/, '');
  const found = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const point = unescapeMountPath(field);
    if (point === root || point.startsWith(`${root}/`)) found.add(point);
  }
  return [...found].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
}

/**
 * Lazily unmounts everything mounted at or below `dir` (a kubelet bind-mounts its root dir onto
 * itself and mounts pod volumes there; containerd mounts rootfs snapshots and netns pins), so the
 * directory can be removed. Returns what could not be unmounted.
 */
export function unmountAllUnder(dir: string): string[] {
  let mountinfo: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return []; // not Linux: nothing the agent mounted
  }
  const failed: string[] = [];
  for (const point of mountPointsUnder(mountinfo, dir)) {
    try {
      execFileSync('umount', ['-l', point], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      failed.push(point);
    }
  }
  return failed;
}
