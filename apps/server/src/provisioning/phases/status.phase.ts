import { componentKey, getCondition, type Condition, type ConditionInput, type Placement, type PlacementPlan, type PodNetworkPlan } from '@corral/domain';
import type { NewEvent } from '../../events/events.service';
import { apiServerUrl } from './catalog-input';
import { hostAddress, type ReconcileHost, type ReconcileView } from './reconcile-view';

/** Why the plan's etcd membership step could not be taken. */
export interface MembershipProblem {
  reason: string;
  message: string;
}

/** EtcdReady when the membership step is refused or failed; RemediationAllowed (maxUnhealthy); UpToDate (rollout). */
export function repairConditions(plan: PlacementPlan, problem: MembershipProblem | null, rolloutWaiting: string | null, maxUnhealthyHosts: number): ConditionInput[] {
  const out: ConditionInput[] = [];
  const refusal = plan.etcd.action === 'refuse' ? plan.etcd : null;
  if (refusal?.reason === 'QuorumAtRisk') out.push({ type: 'EtcdReady', status: 'False', reason: 'QuorumAtRisk', message: refusal.message });
  else if (problem) out.push({ type: 'EtcdReady', status: 'False', reason: problem.reason, message: problem.message });
  out.push(
    refusal?.reason === 'TooManyUnhealthy'
      ? { type: 'RemediationAllowed', status: 'False', reason: 'TooManyUnhealthy', message: refusal.message }
      : { type: 'RemediationAllowed', status: 'True', reason: 'WithinLimits', message: `repairs allowed while at most ${Math.round(maxUnhealthyHosts * 100)}% of hosts are disconnected or lost` },
  );
  out.push(
    rolloutWaiting
      ? { type: 'UpToDate', status: 'False', reason: 'RollingUpdate', message: rolloutWaiting }
      : { type: 'UpToDate', status: 'True', reason: 'AllUpdatesReleased', message: 'every component has its desired spec written' },
  );
  return out;
}

const REFUSALS = ['QuorumAtRisk', 'TooManyUnhealthy', 'EtcdUnreachable', 'MembershipChangeRefused'];

/** A refusal is an event when it starts or its reason changes, not on every look; a corral.dev/scale problem when its message changes. */
export function refusalEvents(environmentId: string, before: readonly Condition[], conditions: readonly ConditionInput[]): NewEvent[] {
  return conditions.flatMap((c): NewEvent[] => {
    if (c.status !== 'False') return [];
    if (c.type === 'IngressScale') {
      if (getCondition(before, c.type)?.message === c.message) return [];
      return [{ environmentId, type: 'Warning', reason: c.reason === 'InvalidScale' ? 'IngressScaleInvalid' : 'IngressScaleCapped', message: c.message }];
    }
    if (!REFUSALS.includes(c.reason) || getCondition(before, c.type)?.reason === c.reason) return [];
    return [{ environmentId, type: 'Warning', reason: c.reason === 'TooManyUnhealthy' ? 'RemediationStopped' : 'EtcdMembershipRefused', message: c.message }];
  });
}

/** One event per placement change actually written, with the planner's reason. */
export function placementChangeEvents(environmentId: string, plan: PlacementPlan, current: readonly Placement[], placement: readonly Placement[]): NewEvent[] {
  const had = new Set(current.map((p) => componentKey(p.hostId, p.kind)));
  const has = new Set(placement.map((p) => componentKey(p.hostId, p.kind)));
  return plan.changes
    .filter((change) => {
      const k = componentKey(change.hostId, change.kind);
      const applied = change.action === 'add' ? has.has(k) && !had.has(k) : had.has(k) && !has.has(k);
      return applied && change.reason !== 'Initial';
    })
    .map((change) => ({
      environmentId,
      hostId: change.hostId,
      component: change.kind,
      type: change.action === 'remove' && change.reason !== 'ScaledDown' ? 'Warning' : 'Normal',
      reason: change.action === 'add' ? 'ComponentPlaced' : 'ComponentUnplaced',
      message: change.message,
    }));
}

const healthyOn = (view: Pick<ReconcileView, 'statusOf'>, host: ReconcileHost, name: string) => !!view.statusOf.get(componentKey(host.id, name))?.healthy;

/** Where the cluster's API answers now: apiservers reported healthy on active hosts. */
export function healthyApiServers(view: Pick<ReconcileView, 'statusOf'>, controlPlaneHosts: readonly ReconcileHost[]): string[] {
  return controlPlaneHosts.filter((h) => h.state === 'active' && healthyOn(view, h, 'kube-apiserver')).map(apiServerUrl);
}

/** kube-dns routes to the CoreDNS of every active host where it is healthy. */
export function dnsServers(view: Pick<ReconcileView, 'hosts' | 'statusOf'>): Array<{ address: string; node: string }> {
  return view.hosts.filter((h) => h.state === 'active' && healthyOn(view, h, 'cluster-dns')).map((h) => ({ address: hostAddress(h), node: h.hostname }));
}

/** The Node objects whose podCIDR Corral sets: workers with a pod CIDR whose kubelet is healthy. */
export function nodeCidrs(view: Pick<ReconcileView, 'hosts' | 'statusOf'>, podNetwork: PodNetworkPlan): Array<{ node: string; cidr: string }> {
  return view.hosts.filter((h) => podNetwork.hosts[h.id] && healthyOn(view, h, 'kubelet')).map((h) => ({ node: h.hostname, cidr: podNetwork.hosts[h.id]!.nodeCidr }));
}

export interface ConvergenceInput {
  state: string;
  plan: PlacementPlan;
  heldUpdates: number;
  problem: MembershipProblem | null;
  nodeCidrsPending: boolean;
}

/** Whether nothing is left to converge (or only an outside change can move things on). */
export function isConverged(input: ConvergenceInput): boolean {
  if (input.plan.etcd.action === 'refuse') return true; // only hosts coming back (which enqueue a reconcile) can change this
  return input.state === 'active' && input.plan.etcd.action === 'none' && input.heldUpdates === 0 && !input.problem && !input.nodeCidrsPending;
}

/** "issued N certificate(s): a, b, …" (at most eight named), or null when none were issued. */
export function certificatesIssuedMessage(issued: readonly string[]): string | null {
  if (!issued.length) return null;
  return `issued ${issued.length} certificate(s): ${issued.slice(0, 8).join(', ')}${issued.length > 8 ? ', …' : ''}`;
}
