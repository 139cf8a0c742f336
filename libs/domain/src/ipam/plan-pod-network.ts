import { allocateNodeCidrs } from './allocate-node-cidrs';

export interface PodNetworkHost {
  id: string;
  /** the address other hosts route this host's pods through */
  address: string;
}

export interface HostPodNetwork {
  nodeCidr: string;
  routes: { cidr: string; via: string }[];
}

export interface PodNetworkPlan {
  /** host id -> its pod CIDR and its routes to every other worker's pods */
  hosts: Record<string, HostPodNetwork>;
  /** workers that got no pod CIDR: the cluster CIDR is full (sorted) */
  exhausted: string[];
}

/**
 * Corral's host-gw pod network: every worker gets a pod CIDR of `maskSize` from the cluster CIDR
 * (keeping the one it has), and routes to every other worker's pod CIDR via that worker's
 * address. A worker without a CIDR is neither given routes nor routed to.
 */
export function planPodNetwork(
  clusterCidr: string,
  maskSize: number,
  workers: readonly PodNetworkHost[],
  existing: Readonly<Record<string, string>> = {},
): PodNetworkPlan {
  const { allocations, exhausted } = allocateNodeCidrs(clusterCidr, maskSize, workers.map((w) => w.id), existing);
  const allocated = workers.filter((w) => allocations[w.id] !== undefined);
  const hosts: Record<string, HostPodNetwork> = {};
  for (const worker of allocated) {
    hosts[worker.id] = {
      nodeCidr: allocations[worker.id]!,
      routes: allocated.filter((other) => other.id !== worker.id).map((other) => ({ cidr: allocations[other.id]!, via: other.address })),
    };
  }
  return { hosts, exhausted };
}
