import type { ComponentSpec } from '@corral/contracts';
import { readEtcdRestoreSource, urlHost, type EtcdClusterInput, type EtcdClusterMember } from '@corral/kube';

/** How a member joined its cluster: fixed once its etcd has started, so its spec stays stable. */
export type EtcdJoin = Required<Pick<EtcdClusterInput, 'members' | 'initialClusterState' | 'clusterToken' | 'dataDir'>> & Pick<EtcdClusterInput, 'restoreFrom'>;

const flag = (spec: ComponentSpec, name: string): string | undefined => {
  const prefix = `--${name}=`;
  return spec.args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
};

/**
 * Reads the join parameters back from a member's written etcd spec (its own entry names
 * itself with ${address}, which is the host's address). Returns null when the spec lacks them.
 */
export function readEtcdJoin(spec: ComponentSpec, hostAddress: string): EtcdJoin | null {
  const cluster = flag(spec, 'initial-cluster');
  const state = flag(spec, 'initial-cluster-state');
  const token = flag(spec, 'initial-cluster-token');
  const dataDir = flag(spec, 'data-dir');
  if (!cluster || (state !== 'new' && state !== 'existing') || !token || !dataDir) return null;
  const members = cluster.split(',').map((entry) => {
    const eq = entry.indexOf('=');
    const url = entry.slice(eq + 1);
    return { name: entry.slice(0, eq), address: url.includes('${address}') ? hostAddress : urlHost(url) };
  });
  if (members.some((m) => !m.name || !m.address)) return null;
  // a founding member of a restored cluster keeps its restore step, so its spec (and etcd) stays as it is
  const restoreFrom = readEtcdRestoreSource(spec);
  return { members, initialClusterState: state, clusterToken: token, dataDir, ...(restoreFrom ? { restoreFrom } : {}) };
}

/**
 * The join of a member added to a running cluster: initial-cluster-state=existing and the
 * member list exactly as etcd has it after the add. Members that have not started yet have
 * no name in etcd: they are named after their host (as their own --name will be).
 */
export function existingClusterJoin(
  members: readonly EtcdClusterMember[],
  nameOfAddress: (address: string) => string | undefined,
  clusterToken: string,
  dataDir: string,
): EtcdJoin {
  return {
    members: members.map((m) => {
      const address = urlHost(m.peerUrls[0] ?? '');
      return { name: m.name || nameOfAddress(address) || `member-${m.id}`, address };
    }),
    initialClusterState: 'existing',
    clusterToken,
    dataDir,
  };
}
