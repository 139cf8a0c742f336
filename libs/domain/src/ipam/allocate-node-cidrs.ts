import { blockSize, formatIpv4, parseCidr } from './cidr';
import { compareIds } from '../shared/compare-ids';

export interface NodeCidrAllocation {
  /** host id -> pod CIDR, e.g. "10.42.3.0/24" */
  allocations: Record<string, string>;
  /** hosts that got nothing because the cluster CIDR is full (sorted) */
  exhausted: string[];
}

/**
 * Gives every host a pod CIDR of `maskSize` carved from `clusterCidr`, like
 * kube-controller-manager's --allocate-node-cidrs. Stable: a host keeps its existing
 * allocation when that is still a valid, unshared block of the cluster CIDR (on a clash the
 * lowest host id keeps it); other hosts get the lowest free block, in host id order.
 * Allocations of hosts not listed are released. A full range is reported, not thrown.
 * @throws Error on an invalid cluster CIDR or a mask size outside [prefix, 32].
 */
export function allocateNodeCidrs(
  clusterCidr: string,
  maskSize: number,
  hostIds: readonly string[],
  existing: Readonly<Record<string, string>> = {},
): NodeCidrAllocation {
  const cluster = parseCidr(clusterCidr);
  if (!Number.isInteger(maskSize) || maskSize < cluster.prefix || maskSize > 32) {
    throw new Error(`node CIDR mask size must be between /${cluster.prefix} and /32 for ${cluster.cidr} (got ${maskSize})`);
  }
  const size = blockSize(maskSize);
  const count = blockSize(cluster.prefix) / size;
  const ids = [...new Set(hostIds)].sort(compareIds);

  const indexOf = (cidr: string | undefined): number | null => {
    if (cidr === undefined) return null;
    try {
      const block = parseCidr(cidr);
      const offset = block.network - cluster.network;
      if (block.prefix !== maskSize || offset < 0 || offset >= count * size) return null;
      return offset / size;
    } catch {
      return null;
    }
  };

  const used = new Set<number>();
  const chosen = new Map<string, number>();
  for (const id of ids) {
    const index = indexOf(existing[id]);
    if (index !== null && !used.has(index)) {
      used.add(index);
      chosen.set(id, index);
    }
  }
  const exhausted: string[] = [];
  let next = 0;
  for (const id of ids) {
    if (chosen.has(id)) continue;
    while (next < count && used.has(next)) next++;
    if (next >= count) {
      exhausted.push(id);
      continue;
    }
    used.add(next);
    chosen.set(id, next);
  }
  const allocations: Record<string, string> = {};
  for (const id of ids) {
    const index = chosen.get(id);
    if (index !== undefined) allocations[id] = `${formatIpv4(cluster.network + index * size)}/${maskSize}`;
  }
  return { allocations, exhausted };
}
