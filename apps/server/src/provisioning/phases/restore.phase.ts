import type { ComponentKind, ComponentSpec } from '@corral/contracts';
import { componentKey, isHealthyOnSpec, WORKER_KINDS as WORKER_KIND_LIST } from '@corral/domain';
import { buildHostComponents, specHash, type CatalogOptions } from '@corral/kube';
import type { HostPkiNeed } from '../environment-pki.service';
import type { EnvironmentSecrets } from '../environment-secrets';
import { readEtcdJoin, type EtcdJoin } from '../etcd/etcd-join';
import { hostCatalogInput } from './catalog-input';
import type { Replan } from './placement.phase';
import { hostAddress, type ReconcileEnvironment, type ReconcileHost, type ReconcileView } from './reconcile-view';

/** a restore keeps the workers' components running (they reconnect to the restored control plane) */
const WORKER_KINDS: readonly string[] = WORKER_KIND_LIST;

/**
 * The fresh cluster's founding members: those already written with the restore's token, else
 * the hosts the planner picks for a new cluster (placement without etcd); a message when it
 * cannot pick any.
 */
/** Hosts whose etcd is already written with the restore's cluster token (the fresh cluster begun). */
export function restoredMembers(view: Pick<ReconcileView, 'components' | 'hostById'>, token: string): ReconcileHost[] {
  return view.components
    .filter((c) => c.kind === 'etcd' && readEtcdJoin(c.spec, view.hostById.get(c.hostId)?.addresses[0] ?? '')?.clusterToken === token)
    .map((c) => view.hostById.get(c.hostId))
    .filter((h): h is ReconcileHost => !!h);
}

/**
 * The fresh cluster's founding members: those already written with the restore's token, else
 * the hosts the planner picks for a new cluster (placement without etcd); a message when it
 * cannot pick any.
 */
export function foundingMembers(view: Pick<ReconcileView, 'components' | 'hostById'>, token: string, replan: Replan): { members: ReconcileHost[] } | { waiting: string } {
  const written = restoredMembers(view, token);
  if (written.length) return { members: written };
  const plan = replan(view.components.filter((c) => c.kind !== 'etcd').map((c) => ({ hostId: c.hostId, kind: c.kind as ComponentKind })));
  if (plan.etcd.action !== 'bootstrap') return { waiting: `cannot start a fresh etcd cluster: ${plan.etcd.message}` };
  return { members: plan.etcd.hostIds.map((id) => view.hostById.get(id)!) };
}

const keptKinds = (view: Pick<ReconcileView, 'components'>, hostId: string) =>
  view.components.filter((c) => c.hostId === hostId && WORKER_KINDS.includes(c.kind)).map((c) => c.kind as ComponentKind);

/** Certificates during a restore: etcd on the founding members, and the workers' kept components. */
export function restorePkiNeeds(view: Pick<ReconcileView, 'hosts' | 'components' | 'hostById'>, memberIds: ReadonlySet<string>): { needs: HostPkiNeed[]; controlPlaneAddresses: string[] } {
  return {
    needs: view.hosts
      .filter((h) => memberIds.has(h.id) || keptKinds(view, h.id).length)
      .map((h) => ({ hostId: h.id, hostname: h.hostname, address: hostAddress(h), kinds: [...(memberIds.has(h.id) ? (['etcd'] as ComponentKind[]) : []), ...keptKinds(view, h.id)] })),
    controlPlaneAddresses: view.components
      .filter((c) => c.kind === 'kube-apiserver')
      .map((c) => view.hostById.get(c.hostId)?.addresses[0])
      .filter((a): a is string => !!a),
  };
}

/** Worker components keep their specs; founding members get a fresh etcd that restores the snapshot; the rest stops. */
export function restoreWrites(
  env: Pick<ReconcileEnvironment, 'id' | 'name' | 'kubernetesVersion' | 'networking'>,
  view: Pick<ReconcileView, 'hosts' | 'components'>,
  memberIds: ReadonlySet<string>,
  join: EtcdJoin,
  catalog: { secrets: EnvironmentSecrets; options: CatalogOptions },
): Array<{ hostId: string; specs: ComponentSpec[] }> {
  return view.hosts.map((host) => {
    const specs = view.components.filter((c) => c.hostId === host.id && WORKER_KINDS.includes(c.kind)).map((c) => c.spec);
    if (memberIds.has(host.id)) {
      const common = hostCatalogInput(env, host, { ...catalog, apiServerEndpoints: [] });
      specs.unshift(...buildHostComponents({ ...common, kinds: ['etcd'], etcd: join }));
    }
    return { hostId: host.id, specs };
  });
}

/** Founding members not yet healthy on the etcd spec just written for them. */
export function membersNotReady(view: Pick<ReconcileView, 'statusOf'>, members: readonly ReconcileHost[], writes: ReadonlyArray<{ hostId: string; specs: ComponentSpec[] }>): ReconcileHost[] {
  const etcdHash = new Map(writes.map((w) => [w.hostId, w.specs.find((s) => s.kind === 'etcd')]).filter(([, s]) => s).map(([id, s]) => [id as string, specHash(s as ComponentSpec)]));
  return members.filter((h) => !isHealthyOnSpec(view.statusOf.get(componentKey(h.id, 'etcd')), etcdHash.get(h.id)));
}
