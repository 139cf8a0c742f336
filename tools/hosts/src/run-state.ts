import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_STATE_ROOT = '/tmp/corral-hosts';

/**
 * What one harness run owns, written before each resource is created, so a run that dies
 * at any point leaves a record that `sweep` can act on.
 */
export interface RunState {
  version: 1;
  id: string;
  /** the process that owns the run, and its start time to tell it from a reused pid */
  pid: number;
  pidStartTime: string | null;
  createdAt: string;
  subnet: string | null;
  bridge: string | null;
  namespaces: string[];
  links: string[];
  workDir: string | null;
  keepFiles: boolean;
  /** processes the run started in its hosts, killed by sweep even if they never entered the namespace */
  processes?: RecordedProcess[];
  /** node hosts: each host's cgroup dir in every hierarchy, recorded before it is created */
  cgroups?: string[];
  /** node hosts: the run mounts on the shared mount points (/var/lib/kubelet, …) */
  usesMountpoints?: boolean;
}

export interface RecordedProcess {
  pid: number;
  startTime: string | null;
}

export function statePath(root: string, id: string): string {
  return path.join(root, `${id}.json`);
}

/** Creates the state file; fails if the id is already in use. */
export function createRunState(root: string, state: RunState): void {
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  fs.writeFileSync(statePath(root, state.id), JSON.stringify(state, null, 2), { flag: 'wx' });
}

export function writeRunState(root: string, state: RunState): void {
  const file = statePath(root, state.id);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
  fs.renameSync(tmp, file);
}

export function readRunStates(root: string): RunState[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const states: RunState[] = [];
  for (const name of names) {
    if (!/^[0-9a-f]{6}\.json$/.test(name)) continue;
    try {
      const s = JSON.parse(fs.readFileSync(path.join(root, name), 'utf8')) as RunState;
      if (s.version === 1 && typeof s.id === 'string') states.push(s);
    } catch {
      // half-written or foreign file: leave it
    }
  }
  return states;
}

export function removeRunState(root: string, id: string): void {
  fs.rmSync(statePath(root, id), { force: true });
}

/**
 * Reserves a subnet across concurrent runs: an exclusive-create file per third octet.
 * Returns false when another run holds it.
 */
export function claimSubnet(root: string, octet: number, id: string): boolean {
  try {
    fs.writeFileSync(claimPath(root, octet), id, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Third octets of subnets claimed by any run (live or dead), with the owning run id. */
export function readClaims(root: string): Map<number, string> {
  const claims = new Map<number, string>();
  let names: string[] = [];
  try {
    names = fs.readdirSync(root);
  } catch {
    return claims;
  }
  for (const name of names) {
    const m = /^net-(\d+)\.claim$/.exec(name);
    if (!m) continue;
    try {
      claims.set(Number(m[1]), fs.readFileSync(path.join(root, name), 'utf8').trim());
    } catch {
      // removed meanwhile
    }
  }
  return claims;
}

export function releaseSubnet(root: string, octet: number, id: string): void {
  const file = claimPath(root, octet);
  try {
    if (fs.readFileSync(file, 'utf8').trim() === id) fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

function claimPath(root: string, octet: number): string {
  return path.join(root, `net-${octet}.claim`);
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function isOwnerAlive(state: Pick<RunState, 'pid' | 'pidStartTime'>): boolean {
  const started = processStartTime(state.pid);
  if (started === null || isZombie(state.pid)) return false;
  return state.pidStartTime === null || started === state.pidStartTime;
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
