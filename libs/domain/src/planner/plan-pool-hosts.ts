import type { HostState } from '../lifecycle/host-state';
import { WORKER_KINDS } from './eligibility';
import { tooManyUnhealthy } from './remediation-limit';

export interface PoolHostView {
  id: string;
  state: HostState;
  /** the component kinds written for it */
  kinds: readonly string[];
}

export interface PoolHostsPlan {
  /** idle pool hosts to claim now */
  claim: number;
  /** hosts to give back to the pool (wiped first by their agents) */
  release: string[];
}

/**
 * How an environment created from a pool keeps the number of hosts it asked for. A lost host
 * no longer counts: a fresh idle host is claimed in its place (the planner moves the lost
 * host's components and etcd member there), unless too many hosts are unhealthy at once
 * (maxUnhealthy), when nothing is replaced. When a lost host comes back the environment holds
 * one host too many: once every host is active again, surplus hosts that run only kubelet and
 * kube-proxy (or nothing) go back to the pool, never one with etcd or the control plane.
 * A disconnected host keeps its place (it may come back any moment), as a removed one never does.
 */
export function planPoolHosts(input: { requested: number; hosts: readonly PoolHostView[]; maxUnhealthy: number }): PoolHostsPlan {
  const counted = input.hosts.filter((h) => h.state !== 'removed');
  const repairsAllowed = tooManyUnhealthy(counted.map((h) => h.state), input.maxUnhealthy) === null;
  const serving = repairsAllowed ? counted.filter((h) => h.state !== 'lost') : counted;
  const claim = Math.max(0, input.requested - serving.length);

  const settled = counted.every((h) => h.state === 'active');
  const surplus = settled ? counted.length - input.requested : 0;
  if (surplus <= 0) return { claim, release: [] };
  const workerOnly = (h: PoolHostView) => h.kinds.every((k) => (WORKER_KINDS as readonly string[]).includes(k));
  const release = counted
    .filter(workerOnly)
    // emptiest first, then the highest id, so the choice is stable across looks
    .sort((a, b) => a.kinds.length - b.kinds.length || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, surplus)
    .map((h) => h.id);
  return { claim, release };
}
