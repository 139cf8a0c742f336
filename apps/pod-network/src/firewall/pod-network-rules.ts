/** The daemon's own chain, in the nat and in the filter table. */
export const CHAIN = 'CORRAL-POD-NETWORK';

export interface ChainSpec {
  table: 'nat' | 'filter';
  chain: string;
  /** the built-in chain that jumps to ours */
  from: 'POSTROUTING' | 'FORWARD';
  /** the jump rule in `from`, without -A/-C/-D and the chain name */
  jump: string[];
  /** our chain's rules in order, each without -A and the chain name; distinct */
  rules: string[][];
}

const comment = (text: string) => ['-m', 'comment', '--comment', text];

/**
 * The rules of Corral's pod network for a cluster CIDR:
 * - nat: MASQUERADE traffic from pods that leaves the cluster network (source in the cluster
 *   CIDR, destination outside it); pod-to-pod traffic between hosts keeps its pod addresses;
 * - filter: ACCEPT forwarded traffic from or to pods, so a FORWARD policy of DROP (Docker's, say)
 *   does not cut the pod network.
 * The jumps are appended to POSTROUTING and FORWARD, after kube-proxy's (which it inserts first).
 */
export function podNetworkChains(clusterCidr: string): ChainSpec[] {
  return [
    {
      table: 'nat',
      chain: CHAIN,
      from: 'POSTROUTING',
      jump: [...comment('corral pod network'), '-j', CHAIN],
      rules: [['-s', clusterCidr, '!', '-d', clusterCidr, ...comment('corral pod network: masquerade pod traffic leaving the cluster network'), '-j', 'MASQUERADE']],
    },
    {
      table: 'filter',
      chain: CHAIN,
      from: 'FORWARD',
      jump: [...comment('corral pod network'), '-j', CHAIN],
      rules: [
        ['-s', clusterCidr, ...comment('corral pod network: forward traffic from pods'), '-j', 'ACCEPT'],
        ['-d', clusterCidr, ...comment('corral pod network: forward traffic to pods'), '-j', 'ACCEPT'],
      ],
    },
  ];
}

/** how many rules `iptables -S <chain>` lists for the chain (other lines: -N, -P, warnings) */
export function countChainRules(listing: string, chain: string): number {
  return listing.split('\n').filter((line) => line.startsWith(`-A ${chain} `)).length;
}

/**
 * Whether our chain holds exactly its rules: as many rules as it should have, and each of them
 * found by `iptables -C` (which compares them as iptables does, whatever the output format).
 * The rules are distinct, so equal count plus all present means the same set.
 */
export function chainIsExact(ruleCount: number, present: readonly boolean[]): boolean {
  return ruleCount === present.length && present.every(Boolean);
}
