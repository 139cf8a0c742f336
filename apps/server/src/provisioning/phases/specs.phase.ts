import type { ComponentSpec } from '@corral/contracts';
import { buildHostComponents, type CatalogOptions } from '@corral/kube';
import type { EnvironmentSecrets } from '../environment-secrets';
import type { EtcdJoin } from '../etcd/etcd-join';
import { apiServerUrl, hostCatalogInput } from './catalog-input';
import type { PlacedHosts } from './placement.phase';
import { hostAddress, type ReconcileEnvironment, type ReconcileHost } from './reconcile-view';

export interface SpecsInput {
  env: Pick<ReconcileEnvironment, 'id' | 'name' | 'kubernetesVersion' | 'networking'>;
  hosts: readonly ReconcileHost[];
  placed: Pick<PlacedHosts, 'kindsByHost' | 'controlPlaneHosts' | 'etcdHosts' | 'podNetwork'>;
  joins: ReadonlyMap<string, EtcdJoin>;
  secrets: EnvironmentSecrets;
  options: CatalogOptions;
}

/**
 * Specs phase: every host's component specs from the catalog. etcd's own spec keeps the join
 * it started with (a member without a join yet gets no etcd spec); every other component sees
 * today's members. A host with nothing placed gets an empty list.
 */
export function buildDesiredSpecs(input: SpecsInput): Map<string, ComponentSpec[]> {
  const { placed } = input;
  const apiServerEndpoints = placed.controlPlaneHosts.map(apiServerUrl);
  const clusterMembers = placed.etcdHosts.map((h) => ({ name: h.hostname, address: hostAddress(h) }));
  const next = new Map<string, ComponentSpec[]>();
  for (const host of input.hosts) {
    const kinds = placed.kindsByHost.get(host.id) ?? [];
    const common = hostCatalogInput(input.env, host, { secrets: input.secrets, options: input.options, apiServerEndpoints, podNetwork: placed.podNetwork.hosts[host.id] });
    const join = input.joins.get(host.id);
    const others = kinds.filter((k) => k !== 'etcd');
    next.set(host.id, [
      ...(kinds.includes('etcd') && join ? buildHostComponents({ ...common, kinds: ['etcd'], etcd: join }) : []),
      ...(others.length ? buildHostComponents({ ...common, kinds: others, etcd: { members: clusterMembers, initialClusterState: 'new' } }) : []),
    ]);
  }
  return next;
}
