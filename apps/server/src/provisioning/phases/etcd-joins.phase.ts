import { componentKey, type PlacementPlan } from '@corral/domain';
import type { EtcdClusterMember } from '@corral/kube';
import { existingClusterJoin, readEtcdJoin, type EtcdJoin } from '../etcd/etcd-join';
import { hostAddress, type ReconcileHost, type WrittenComponent } from './reconcile-view';

/** The joins etcd members on these hosts started with, read back from their written specs. */
export interface WrittenJoins {
  joins: Map<string, EtcdJoin>;
  /** the cluster token the written members share, if any is written */
  token: string | null;
}

export interface EtcdJoinsInput {
  environmentId: string;
  action: PlacementPlan['etcd']['action'];
  etcdHosts: readonly ReconcileHost[];
  /** every host of the environment (names members etcd lists by address only) */
  hosts: readonly ReconcileHost[];
  written: ReadonlyMap<string, WrittenComponent>;
  /** etcd's member list, when read (needed only when a member joins a running cluster) */
  members: readonly EtcdClusterMember[] | null;
  /** names a joining member's fresh data directory */
  now: Date;
}

export function writtenJoins(etcdHosts: readonly ReconcileHost[], written: ReadonlyMap<string, WrittenComponent>): WrittenJoins {
  const joins = new Map<string, EtcdJoin>();
  let token: string | null = null;
  for (const h of etcdHosts) {
    const was = written.get(componentKey(h.id, 'etcd'));
    const join = was ? readEtcdJoin(was.spec, hostAddress(h)) : null;
    if (!join) continue;
    joins.set(h.id, join);
    token ??= join.clusterToken;
  }
  return { joins, token };
}

/** True when a member joins a running cluster, which needs etcd's member list. */
export function needsMemberList(input: Pick<EtcdJoinsInput, 'action' | 'etcdHosts' | 'written'>): boolean {
  const { joins } = writtenJoins(input.etcdHosts, input.written);
  return joins.size > 0 && input.action !== 'bootstrap' && input.etcdHosts.some((h) => !joins.has(h.id));
}

/**
 * How each etcd member starts. A member with a written spec keeps the join it started with
 * (its spec stays stable, so it never restarts for a membership change elsewhere). A new
 * cluster starts with every member and initial-cluster-state=new. A member added to a
 * running cluster joins with initial-cluster-state=existing, etcd's member list and a data
 * directory of its own; one etcd does not list yet (or without a readable list) waits.
 */
export function planEtcdJoins(input: EtcdJoinsInput): Map<string, EtcdJoin> {
  const { joins, token: writtenToken } = writtenJoins(input.etcdHosts, input.written);
  const token = writtenToken ?? `corral-${input.environmentId}`;
  const joining = input.etcdHosts.filter((h) => !joins.has(h.id));
  if (joining.length === 0) return joins;
  if (joins.size === 0 || input.action === 'bootstrap') {
    const members = input.etcdHosts.map((h) => ({ name: h.hostname, address: hostAddress(h) }));
    for (const h of joining) joins.set(h.id, { members, initialClusterState: 'new', clusterToken: token, dataDir: '${dataDir}' });
    return joins;
  }
  const members = input.members;
  if (!members) return joins;
  const nameOf = new Map(input.hosts.map((h) => [hostAddress(h), h.hostname]));
  for (const h of joining) {
    if (!members.some((m) => m.peerUrls.some((u) => u.includes(`//${hostAddress(h)}:`)))) continue;
    joins.set(h.id, existingClusterJoin(members, (address) => nameOf.get(address), token, `\${dataDir}/member-${input.now.getTime().toString(36)}`));
  }
  return joins;
}
