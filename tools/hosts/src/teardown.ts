import * as fs from 'node:fs';
import { killGroup, runSync } from './run-command';
import { networkNames, runIdOf } from './network-names';
import { subnetOctet } from './subnet-picker';
import { DEFAULT_STATE_ROOT, RunState, isOwnerAlive, processStartTime, readClaims, readRunStates, releaseSubnet, removeRunState } from './run-state';
import { killCgroupsSync, listHostCgroupDirs, releaseMountpoints, removeCgroupsSync, runIdOfCgroup } from './node-host';

const KILL_ROUNDS = 10;

/** Process ids whose network namespace is `namespace`. */
export function namespacePidsSync(namespace: string): number[] {
  const r = runSync(['ip', 'netns', 'pids', namespace], 5000);
  if (r.code !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}

/** SIGKILLs everything in a namespace, repeating while processes keep appearing (forks). */
export function killNamespaceSync(namespace: string): void {
  for (let round = 0; round < KILL_ROUNDS; round++) {
    const pids = namespacePidsSync(namespace);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    sleepSync(20 * (round + 1));
  }
}

/**
 * Removes everything a run owns: processes in its namespaces and (node hosts) in its cgroups,
 * veths, namespaces, bridge, cgroups, mount points no run needs any more, subnet claim, work
 * dir (unless kept) and finally its state file. Synchronous so it can run from an exit handler;
 * each step tolerates what is already gone.
 * Returns the names that still exist afterwards (empty on success).
 */
export function teardownRun(root: string, state: RunState): string[] {
  // Started processes first, by pid: one still inside `ip netns exec` before its setns() is
  // not listed by `ip netns pids`, and would otherwise live on in an unnamed namespace.
  for (const p of state.processes ?? []) {
    if (processStartTime(p.pid) === p.startTime) killGroup(p.pid, 'SIGKILL');
  }
  for (const ns of state.namespaces) killNamespaceSync(ns);
  // node hosts: containers run in pod network namespaces, only their cgroup finds them. With
  // no process left in it (and the owner's fds on it closed) a node host's mount namespace, and
  // its /run, cgroup and state-dir mounts with it, is gone.
  const cgroups = state.cgroups ?? [];
  if (cgroups.length > 0) killCgroupsSync(cgroups);
  for (const link of state.links) runSync(['ip', 'link', 'del', link], 5000);
  for (const ns of state.namespaces) runSync(['ip', 'netns', 'del', ns], 5000);
  if (state.bridge) runSync(['ip', 'link', 'del', state.bridge], 5000);
  if (cgroups.length > 0) removeCgroupsSync(cgroups);

  const leftovers = [...leftoversOf(state.id), ...nodeLeftovers(state)];
  if (leftovers.length > 0) return leftovers;

  if (state.usesMountpoints) {
    try {
      releaseMountpoints(root, state.id);
    } catch {
      // lock held too long: the next teardown or sweep removes them
    }
  }
  if (state.subnet) releaseSubnet(root, subnetOctet(state.subnet), state.id);
  if (state.workDir && !state.keepFiles) fs.rmSync(state.workDir, { recursive: true, force: true });
  removeRunState(root, state.id);
  return [];
}

/** Node-host remains of a run: its cgroup dirs (they exist while a process is in them). */
function nodeLeftovers(state: RunState): string[] {
  return (state.cgroups ?? []).filter((d) => fs.existsSync(d));
}

/** Namespaces and links named for run `id` that exist right now. */
export function leftoversOf(id: string): string[] {
  return [...listNamespacesSync(), ...listLinksSync()].filter((n) => runIdOf(n) === id);
}

export function listNamespacesSync(): string[] {
  const r = runSync(['ip', 'netns', 'list'], 5000);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean);
}

export function listLinksSync(): string[] {
  const r = runSync(['ip', '-o', 'link', 'show'], 5000);
  const names: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m) names.push(m[1]);
  }
  return names;
}

export interface SweepResult {
  /** run ids whose owner was gone and whose resources were removed */
  swept: string[];
  /** run ids still owned by a live process, left alone */
  live: string[];
  /** names that could not be removed */
  failed: string[];
}

/**
 * Removes leftovers of dead runs: runs with a state file whose owning process is gone, and
 * `crl` namespaces/links of run ids with no state file at all (a run writes its state file
 * before creating anything, so those have no owner). Live runs are never touched.
 */
export function sweep(root: string = DEFAULT_STATE_ROOT): SweepResult {
  const result: SweepResult = { swept: [], live: [], failed: [] };
  // Snapshot names and claims before state files: a run writes its state file before it
  // creates anything, so whatever this snapshot holds already has its state file on disk.
  const namespaces = listNamespacesSync();
  const links = listLinksSync();
  const cgroupDirs = listHostCgroupDirs();
  const claims = readClaims(root);
  const states = readRunStates(root);
  const known = new Set(states.map((s) => s.id));
  for (const state of states) {
    if (isOwnerAlive(state)) {
      result.live.push(state.id);
      continue;
    }
    const left = teardownRun(root, state);
    if (left.length === 0) result.swept.push(state.id);
    else result.failed.push(...left);
  }

  const orphans = new Map<string, RunState>();
  const orphanFor = (id: string): RunState => {
    let s = orphans.get(id);
    if (!s) {
      s = { version: 1, id, pid: 0, pidStartTime: null, createdAt: '', subnet: null, bridge: null, namespaces: [], links: [], workDir: null, keepFiles: true };
      orphans.set(id, s);
    }
    return s;
  };
  for (const ns of namespaces) {
    const id = runIdOf(ns);
    if (id && !known.has(id)) orphanFor(id).namespaces.push(ns);
  }
  for (const link of links) {
    const id = runIdOf(link);
    if (!id || known.has(id)) continue;
    if (link === networkNames.bridge(id)) orphanFor(id).bridge = link;
    else orphanFor(id).links.push(link);
  }
  for (const dir of cgroupDirs) {
    const id = runIdOfCgroup(dir);
    if (id && !known.has(id)) (orphanFor(id).cgroups ??= []).push(dir);
  }
  for (const state of orphans.values()) {
    const left = teardownRun(root, state);
    if (left.length === 0) result.swept.push(state.id);
    else result.failed.push(...left);
  }

  // claims whose run has no state file any more
  const remaining = new Set(readRunStates(root).map((s) => s.id));
  for (const [octet, id] of claims) {
    if (!remaining.has(id)) releaseSubnet(root, octet, id);
  }
  // mount points created for node hosts, once no run on record uses them
  try {
    releaseMountpoints(root, null);
  } catch {
    // lock held too long: the next sweep does it
  }
  return result;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
