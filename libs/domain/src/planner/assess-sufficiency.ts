import type { ComponentKind, HostRole } from '@corral/contracts';
import { availability, canRunKind } from './eligibility';
import type { HostSufficiency, NeededHosts, PlannerHost } from './planner-types';

/**
 * Whether there are enough eligible hosts for the spec: etcdMembers etcd-eligible hosts,
 * as many controlplane-eligible ones (one control plane per etcd member), ingressReplicas
 * hosts that may run ingress, and at least one worker. Active hosts count, and so do
 * disconnected hosts that still hold that component (grace period).
 */
export function assessSufficiency(
  hosts: readonly PlannerHost[],
  etcdMembers: number,
  ingressReplicas: number,
  holds: (hostId: string, kind: string) => boolean,
): HostSufficiency {
  const available = (kind: ComponentKind) =>
    hosts.filter(
      (h) => canRunKind(h, kind) && (availability(h) === 'active' || (availability(h) === 'held' && holds(h.id, kind))),
    ).length;
  const needed: NeededHosts = {};
  const problems: string[] = [];
  const plural = (n: number) => (n === 1 ? 'host' : 'hosts');
  const need = (role: HostRole, count: number, why: string) => {
    if (count <= 0) return;
    needed[role] = Math.max(needed[role] ?? 0, count);
    problems.push(`needs ${count} more ${why}`);
  };
  const etcd = etcdMembers - available('etcd');
  need('etcd', etcd, `etcd-eligible ${plural(etcd)}`);
  const cp = etcdMembers - available('kube-apiserver');
  need('controlplane', cp, `controlplane-eligible ${plural(cp)} (one control plane per etcd member)`);
  const ingress = ingressReplicas - available('ingress-controller');
  need('worker', ingress, `worker- or controlplane-eligible ${plural(ingress)} for ${ingressReplicas} ingress replicas`);
  const workers = 1 - available('kubelet');
  need('worker', workers, `worker-eligible host`);
  return problems.length === 0
    ? { sufficient: true, needed, message: 'enough eligible hosts' }
    : { sufficient: false, needed, message: problems.join('; ') };
}
