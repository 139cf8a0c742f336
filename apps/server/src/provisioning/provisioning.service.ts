import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ComponentSpec } from '@corral/contracts';
import { componentKey, type ConditionInput, deriveEnvironmentStatus, type Placement, planPoolHosts, setCondition, setConditions } from '@corral/domain';
import { CORRAL_CONFIG } from '../config/config.module';
import { catalogOptions } from './catalog-options';
import type { CorralConfig } from '../config/corral-config';
import { Environment } from '../environments/environment.entity';
import { HostPoolService } from '../hosts/host-pool.service';
import type { Host } from '../hosts/host.entity';
import { DesiredStateService } from '../components/desired-state.service';
import { EventsService } from '../events/events.service';
import { withAdvisoryLock } from '../persistence/advisory-lock';
import { EnvironmentPkiService } from './environment-pki.service';
import type { EnvironmentSecrets } from './environment-secrets';
import { EnvironmentStatusService } from './environment-status.service';
import { EtcdMembershipService, type MembershipHost, type MembershipOutcome } from './etcd/etcd-membership.service';
import type { EtcdJoin } from './etcd/etcd-join';
import { EtcdRestoreService } from './etcd/etcd-restore.service';
import { SnapshotStore } from '../snapshots/snapshot-store.service';
import { ClusterBootstrapService } from './cluster-bootstrap.service';
import { EnvironmentObserver } from './environment-observer';
import { ingressScale, type IngressScaleInput } from './phases/ingress.phase';
import { hostAddress, type ReconcileHost, type ReconcileView } from './phases/reconcile-view';
import { placeOnHosts, placementPlanner, waitsForHosts, type PlacedHosts, type Replan } from './phases/placement.phase';
import { pkiNeeds } from './phases/pki.phase';
import { needsMemberList, planEtcdJoins, writtenJoins, type EtcdJoinsInput } from './phases/etcd-joins.phase';
import { buildDesiredSpecs } from './phases/specs.phase';
import { rollOut, rolloutCandidates, type RolloutResult } from './phases/rollout.phase';
import { CaRotationService } from './ca-rotation/ca-rotation.service';
import type { ActiveCaRotation } from './ca-rotation/ca-rotation.store';
import { certificatesIssuedMessage, dnsServers, healthyApiServers, isConverged, nodeCidrs, placementChangeEvents, refusalEvents, repairConditions } from './phases/status.phase';

/** One reconcile's inputs: the environment, what is written and reported, and its clock. */
interface ReconcileRun {
  env: Environment;
  view: ReconcileView;
  now: Date;
  /** ingress-controller instances to place (corral.dev/scale), and the IngressScale condition once the Ingresses were read */
  ingress: IngressScaleInput;
}

/** The placement phase's result with the etcd membership step taken. */
type PlacedWithMembership = PlacedHosts & Pick<MembershipOutcome, 'members' | 'problem'>;

/**
 * Level-based reconcile of one environment, in phases (each in ./phases, pure but for the
 * calls named here):
 *
 * 1. observe: hosts, written components and the agents' reports (EnvironmentObserver,
 *    reconcile-view); the ingress instances from the last Ingress demand the ingress-scale-check
 *    read (ingress.phase);
 * 2. restore: an active etcd restore replaces the rest (EtcdRestoreService);
 * 3. pool: surplus pool hosts go back to their pool;
 * 4. placement: plan placement from the hosts (placement.phase), then take the plan's one
 *    etcd membership step through etcd's members API (EtcdMembershipService);
 * 5. PKI: issue the certificates the placement needs (pki.phase, EnvironmentPkiService);
 * 6. etcd joins and specs: how each member starts, every host's component specs (etcd-joins.phase, specs.phase);
 * 7. rollout and desired state: spec changes of healthy components one at a time, then one
 *    write of every host's desired components (rollout.phase, DesiredStateService); a CA
 *    rotation moves to its next phase once every component is healthy on this one's specs
 *    (CaRotationService);
 * 8. status: cluster objects, conditions and state from what the agents report (status.phase).
 *
 * Safe to repeat, to run twice, or to crash half-way.
 */
@Injectable()
export class ProvisioningService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly observer: EnvironmentObserver,
    private readonly pools: HostPoolService,
    private readonly desired: DesiredStateService,
    private readonly pki: EnvironmentPkiService,
    private readonly status: EnvironmentStatusService,
    private readonly events: EventsService,
    private readonly membership: EtcdMembershipService,
    private readonly snapshots: SnapshotStore,
    private readonly restorer: EtcdRestoreService,
    private readonly clusterObjects: ClusterBootstrapService,
    private readonly caRotation: CaRotationService,
  ) {}

  /** Returns true when the environment has converged; false asks the caller to look again soon. */
  reconcile(environmentId: string): Promise<boolean> {
    return withAdvisoryLock(this.dataSource, `environment-${environmentId}`, () => this.reconcileLocked(environmentId));
  }

  /** Returns true when nothing is left to converge (or only an outside change can move things on). */
  private async reconcileLocked(environmentId: string): Promise<boolean> {
    const env = await this.dataSource.getRepository(Environment).findOneBy({ id: environmentId });
    if (!env || env.state === 'deleting' || env.state === 'deleted') return true;
    if (env.state === 'pending' && !(await this.status.write(env, { state: 'provisioning', conditions: env.conditions, message: 'provisioning started' }))) {
      return true; // changed under us (deleted): that change's own job takes over
    }
    const { hosts, view } = await this.observer.observe(env.id);
    const run: ReconcileRun = { env, view, now: new Date(), ingress: ingressScale(env.ingressDemand, view) };
    const replan = placementPlanner(env, run.view, this.config.maxUnhealthyHosts, run.ingress.replicas);
    const restore = await this.snapshots.activeRestore(env.id);
    if (restore) {
      // a restore replaces etcd wholesale; the normal reconcile resumes once it completed
      await this.restorer.step({ env, restore, view: run.view, replan });
      return false;
    }
    if (await this.releaseSurplusPoolHosts(env, hosts, run.view.current)) return false; // look again without them

    const placed = await this.placementPhase(run, replan);
    if (!placed) return true; // nothing to do until a host registers, which enqueues a reconcile
    const { secrets, rotation } = await this.pkiPhase(run, placed);
    const joins = await this.etcdJoinsPhase(run, placed);
    const next = buildDesiredSpecs({ env, hosts: run.view.hosts, placed, joins, secrets, options: catalogOptions(this.config) });
    const rollout = await this.desiredStatePhase(run, placed, next);
    // a CA rotation moves on once every component runs healthy on this phase's specs
    const caRotation = await this.caRotation.step(env, rotation, rolloutCandidates(run.view, next), run.now);
    const converged = await this.statusPhase(run, placed, secrets, rollout, caRotation.condition);
    return converged && !caRotation.active;
  }

  /** Placement, then the plan's one etcd membership step; null while an unbootstrapped environment waits for hosts. */
  private async placementPhase({ env, view, now }: ReconcileRun, replan: Replan): Promise<PlacedWithMembership | null> {
    const plan = replan(view.current);
    if (waitsForHosts(plan, view.current)) {
      await this.status.write(env, {
        state: 'provisioning',
        conditions: setCondition(env.conditions, { type: 'HostsSufficient', status: 'False', reason: 'WaitingForHosts', message: plan.sufficiency.message }, now),
        message: plan.sufficiency.message,
      });
      return null;
    }
    const bootstrapped = view.current.some((p) => p.kind === 'etcd');
    const outcome = bootstrapped
      ? await this.membership.step({ environmentId: env.id, plan, current: view.current, hosts: view.hosts.map(toMembershipHost), replan })
      : { plan, members: null, problem: null };
    return { ...placeOnHosts(env, view, outcome.plan), members: outcome.members, problem: outcome.problem };
  }

  private async pkiPhase({ env, view }: ReconcileRun, placed: PlacedHosts): Promise<{ secrets: EnvironmentSecrets; rotation: ActiveCaRotation | null }> {
    const { needs, controlPlaneAddresses } = pkiNeeds(view, placed);
    const { secrets, issued, rotation } = await this.pki.reconcile(env, needs, controlPlaneAddresses);
    const message = certificatesIssuedMessage(issued);
    if (message) await this.events.record({ environmentId: env.id, reason: 'CertificatesIssued', message });
    return { secrets, rotation };
  }

  /** How each etcd member starts; reads etcd's member list only when a member joins a running cluster. */
  private async etcdJoinsPhase({ env, view, now }: ReconcileRun, placed: PlacedWithMembership): Promise<Map<string, EtcdJoin>> {
    const input: EtcdJoinsInput = { environmentId: env.id, action: placed.plan.etcd.action, etcdHosts: placed.etcdHosts, hosts: view.hosts, written: view.written, members: placed.members, now };
    if (!input.members && needsMemberList(input)) {
      const { joins } = writtenJoins(placed.etcdHosts, view.written);
      const client = await this.membership.client(env.id, placed.etcdHosts.filter((h) => joins.has(h.id) && h.state === 'active').map(hostAddress));
      input.members = client ? await client.memberList().catch(() => null) : null;
    }
    return planEtcdJoins(input);
  }

  private async desiredStatePhase({ env, view }: ReconcileRun, placed: PlacedHosts, next: Map<string, ComponentSpec[]>): Promise<RolloutResult> {
    const rollout = rollOut(view, next);
    for (const u of rollout.rollingUpdates) {
      await this.events.record({ environmentId: env.id, hostId: u.hostId, component: u.name, reason: 'RollingUpdate', message: `updating ${u.name} on ${u.hostname} (the only healthy component updated now)` });
    }
    await this.desired.setEnvironmentComponents(env.id, rollout.writes);
    for (const event of placementChangeEvents(env.id, placed.plan, view.current, placed.placement)) await this.events.record(event);
    return rollout;
  }

  private async statusPhase({ env, view, now, ingress }: ReconcileRun, placed: PlacedWithMembership, secrets: EnvironmentSecrets, rollout: RolloutResult, caRotation: ConditionInput | null): Promise<boolean> {
    const derived = deriveEnvironmentStatus({
      state: env.state,
      placement: placed.placement.map((p) => ({ ...p, specHash: rollout.desiredHash.get(componentKey(p.hostId, p.kind)) })),
      componentStatuses: view.componentStatuses,
      hostsSufficient: placed.plan.sufficiency,
      ingressReplicas: ingress.replicas,
      conditions: env.conditions,
      hosts: view.hosts.map((h) => ({ id: h.id, hostname: h.hostname, address: hostAddress(h), state: h.state })),
      now,
    });
    const extra = repairConditions(placed.plan, placed.problem, rollout.plan.waitingFor, this.config.maxUnhealthyHosts);
    if (ingress.condition) extra.push(ingress.condition);
    if (caRotation) extra.push(caRotation);
    const nodeCidrsPending = await this.clusterObjectsPhase(env, view, placed, secrets, extra);
    for (const event of refusalEvents(env.id, env.conditions, extra)) await this.events.record(event);
    await this.status.write(env, { ...derived, conditions: setConditions(derived.conditions, extra, now) });
    return isConverged({ state: derived.state, plan: placed.plan, heldUpdates: rollout.plan.hold.length, problem: placed.problem, nodeCidrsPending });
  }

  /** Cluster objects (kube-dns, RBAC) and the Nodes' pod CIDRs through a healthy apiserver; adds their conditions, returns whether node CIDRs wait. */
  private async clusterObjectsPhase(env: Environment, view: ReconcileView, placed: PlacedHosts, secrets: EnvironmentSecrets, extra: ConditionInput[]): Promise<boolean> {
    const servers = healthyApiServers(view, placed.controlPlaneHosts);
    const objectsApplied = await this.clusterObjects.ensureObjects(env.conditions, secrets, servers, { serviceIp: env.networking.dnsServiceIp, servers: dnsServers(view) });
    if (objectsApplied) extra.push(objectsApplied);
    const cidrs = await this.clusterObjects.ensureNodeCidrs(secrets, servers, nodeCidrs(view, placed.podNetwork));
    if (cidrs.condition) extra.push(cidrs.condition);
    return cidrs.pending;
  }

  /**
   * A pool environment that got a replacement for a lost host holds one too many once that
   * host is back: planPoolHosts picks worker-only surplus hosts, whose desired state is emptied
   * (their agents wipe them) before they go back to the pool.
   */
  private async releaseSurplusPoolHosts(env: Environment, hosts: Host[], current: Placement[]): Promise<boolean> {
    if (!env.hostPool || !env.hostCount) return false;
    const poolHosts = hosts.filter((h) => h.pool === env.hostPool);
    const { release } = planPoolHosts({
      requested: env.hostCount,
      hosts: poolHosts.map((h) => ({ id: h.id, state: h.state, kinds: current.filter((p) => p.hostId === h.id).map((p) => p.kind) })),
      maxUnhealthy: this.config.maxUnhealthyHosts,
    });
    let released = 0;
    for (const host of poolHosts.filter((h) => release.includes(h.id))) {
      await this.desired.setHostComponents(host.id, env.id, []);
      const why = `the environment holds ${poolHosts.filter((h) => h.state !== 'removed').length} hosts of the pool and asked for ${env.hostCount}`;
      if (await this.pools.release(env, host, why)) released++;
    }
    return released > 0;
  }
}

function toMembershipHost(host: ReconcileHost): MembershipHost {
  return { id: host.id, hostname: host.hostname, address: hostAddress(host), state: host.state };
}
