import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ComponentKind, ComponentSpec } from '@corral/contracts';
import {
  Condition,
  ConditionInput,
  Placement,
  PlacementPlan,
  PlannerHost,
  deriveEnvironmentStatus,
  getCondition,
  planPlacement,
  planPodNetwork,
  planPoolHosts,
  planRollout,
  setCondition,
  setConditions,
  WORKER_KINDS,
} from '@corral/domain';
import { buildHostComponents, NODE_CIDR_MASK_SIZE, readNodeCidr, specHash } from '@corral/kube';
import { CORRAL_CONFIG } from '../config/config.module';
import { catalogOptions } from './catalog-options';
import type { CorralConfig } from '../config/corral-config';
import { Environment } from '../environments/environment.entity';
import { HostsService } from '../hosts/hosts.service';
import { HostPoolService } from '../hosts/host-pool.service';
import type { Host } from '../hosts/host.entity';
import { DesiredStateService } from '../components/desired-state.service';
import { HostComponentsService } from '../components/host-components.service';
import type { Component } from '../components/component.entity';
import { EventsService } from '../events/events.service';
import { withAdvisoryLock } from '../persistence/advisory-lock';
import { EnvironmentPkiService } from './environment-pki.service';
import { EnvironmentStatusService } from './environment-status.service';
import { EtcdMembershipService } from './etcd/etcd-membership.service';
import type { EtcdMember } from './etcd/etcd-client';
import { EtcdJoin, existingClusterJoin, readEtcdJoin } from './etcd/etcd-join';
import { EtcdRestoreService } from './etcd/etcd-restore.service';
import { SnapshotStore } from '../snapshots/snapshot-store.service';
import { ClusterBootstrapService } from './cluster-bootstrap.service';
import { BASE_INGRESS_REPLICAS, IngressScaleService } from './ingress-scale.service';

const APISERVER_PORT = 6443;
const key = (hostId: string, name: string) => `${hostId}/${name}`;

/**
 * Level-based reconcile of one environment: plan placement from the hosts, take the plan's
 * one etcd membership step through etcd's members API, issue what PKI the placement needs,
 * write each host's desired components (spec changes of healthy components one at a time),
 * then derive state and conditions from what the agents report. Safe to repeat, to run
 * twice, or to crash half-way.
 */
@Injectable()
export class ProvisioningService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly hosts: HostsService,
    private readonly pools: HostPoolService,
    private readonly desired: DesiredStateService,
    private readonly hostComponents: HostComponentsService,
    private readonly pki: EnvironmentPkiService,
    private readonly status: EnvironmentStatusService,
    private readonly events: EventsService,
    private readonly membership: EtcdMembershipService,
    private readonly snapshots: SnapshotStore,
    private readonly restorer: EtcdRestoreService,
    private readonly clusterObjects: ClusterBootstrapService,
    private readonly ingressScale: IngressScaleService,
  ) {}

  /** Returns true when the environment has converged; false asks the caller to look again soon. */
  reconcile(environmentId: string): Promise<boolean> {
    return withAdvisoryLock(this.dataSource, `environment-${environmentId}`, () => this.reconcileLocked(environmentId));
  }

  /** Returns true when nothing is left to converge (or only an outside change can move things on). */
  private async reconcileLocked(environmentId: string): Promise<boolean> {
    const env = await this.dataSource.getRepository(Environment).findOneBy({ id: environmentId });
    if (!env || env.state === 'deleting' || env.state === 'deleted') return true;
    const now = new Date();
    if (env.state === 'pending' && !(await this.status.write(env, { state: 'provisioning', conditions: env.conditions, message: 'provisioning started' }))) {
      return true; // changed under us (deleted): that change's own job takes over
    }

    const hosts = await this.hosts.listForEnvironment(env.id);
    const hostById = new Map(hosts.map((h) => [h.id, h]));
    const components = await this.desired.listForEnvironment(env.id);
    const written = new Map(components.map((c) => [key(c.hostId, c.name), c]));
    const current: Placement[] = components.map((c) => ({ hostId: c.hostId, kind: c.kind as ComponentKind }));
    const statuses = await this.hostComponents.statusesForHosts(hosts.map((h) => h.id));
    const kindOf = new Map(components.map((c) => [key(c.hostId, c.name), c.kind]));
    const componentStatuses = statuses
      .filter((s) => kindOf.has(key(s.hostId, s.name)))
      .map((s) => ({ ...s, kind: kindOf.get(key(s.hostId, s.name))!, lastLogLines: s.lastLogLines }));
    const statusOf = new Map(statuses.map((s) => [key(s.hostId, s.name), s]));
    // corral.dev/scale; when no apiserver lists the Ingresses, as many as placed (a lost one is still re-placed)
    const scale = await this.ingressScale.plan(env, hosts, components, statuses);
    const ingressReplicas = scale?.replicas ?? Math.max(BASE_INGRESS_REPLICAS, current.filter((p) => p.kind === 'ingress-controller').length);

    // A member counts as healthy only when it reports healthy on the spec written for it: a
    // member just added (no report yet) or restarting holds the next membership change back.
    const etcdMemberHealth = Object.fromEntries(
      components
        .filter((c) => c.kind === 'etcd')
        .map((c) => {
          const s = statusOf.get(key(c.hostId, c.name));
          return [c.hostId, !!s && s.healthy && s.phase === 'running' && s.specHash === c.specHash];
        }),
    );
    const replan = (from: Placement[]) =>
      planPlacement({
        spec: { etcdMembers: env.etcdMembers as 1 | 3 | 5, ingressReplicas },
        hosts: hosts.map(toPlannerHost),
        current: from,
        etcdMemberHealth,
        maxUnhealthy: this.config.maxUnhealthyHosts,
      });
    const restore = await this.snapshots.activeRestore(env.id);
    if (restore) {
      // a restore replaces etcd wholesale; the normal reconcile resumes once it completed
      await this.restorer.step({ env, restore, hosts, components, statuses, replan });
      return false;
    }

    if (await this.releaseSurplusPoolHosts(env, hosts, current)) return false; // look again without them

    let plan = replan(current);
    const bootstrapped = current.some((p) => p.kind === 'etcd');
    if (!bootstrapped && !plan.sufficiency.sufficient) {
      await this.status.write(env, {
        state: 'provisioning',
        conditions: setCondition(env.conditions, { type: 'HostsSufficient', status: 'False', reason: 'WaitingForHosts', message: plan.sufficiency.message }, now),
        message: plan.sufficiency.message,
      });
      return true; // nothing to do until a host registers, which enqueues a reconcile
    }

    const outcome = bootstrapped
      ? await this.membership.step({ environmentId: env.id, plan, current, hosts: hosts.map(toMembershipHost), replan })
      : { plan, members: null, problem: null };
    plan = outcome.plan;
    // etcd members the planner knows only from etcd (no such host) are never written anywhere
    const placement = plan.placement.filter((p) => hostById.has(p.hostId));

    const kindsByHost = new Map<string, ComponentKind[]>();
    for (const p of placement) kindsByHost.set(p.hostId, [...(kindsByHost.get(p.hostId) ?? []), p.kind]);
    const addressOf = (h: Host) => h.addresses[0];
    const podNetwork = this.planPodNetwork(env, hosts, kindsByHost, written);
    const controlPlaneHosts = placement.filter((p) => p.kind === 'kube-apiserver').map((p) => hostById.get(p.hostId)!);
    const etcdHosts = placement.filter((p) => p.kind === 'etcd').map((p) => hostById.get(p.hostId)!);
    const { secrets, issued } = await this.pki.reconcile(
      env,
      [...kindsByHost.entries()].map(([hostId, kinds]) => ({ hostId, hostname: hostById.get(hostId)!.hostname, address: addressOf(hostById.get(hostId)!), kinds })),
      controlPlaneHosts.map(addressOf),
    );
    if (issued.length) {
      await this.events.record({ environmentId: env.id, reason: 'CertificatesIssued', message: `issued ${issued.length} certificate(s): ${issued.slice(0, 8).join(', ')}${issued.length > 8 ? ', …' : ''}` });
    }

    const joins = await this.etcdJoins(env, plan, etcdHosts, written, outcome.members, hosts);
    const environment = { id: env.id, name: env.name, kubernetesVersion: env.kubernetesVersion, networking: env.networking };
    const apiServerEndpoints = controlPlaneHosts.map((h) => `https://${addressOf(h)}:${APISERVER_PORT}`);
    const clusterMembers = etcdHosts.map((h) => ({ name: h.hostname, address: addressOf(h) }));
    const next = new Map<string, ComponentSpec[]>();
    for (const host of hosts) {
      const kinds = kindsByHost.get(host.id) ?? [];
      const common = { environment, host: { id: host.id, hostname: host.hostname, address: addressOf(host) }, apiServerEndpoints, cas: secrets.cas, pki: secrets.hosts[host.id], options: catalogOptions(this.config), podNetwork: podNetwork.hosts[host.id] };
      const join = joins.get(host.id);
      // etcd's own spec keeps the join it started with; everything else sees today's members
      const specs = [
        ...(kinds.includes('etcd') && join ? buildHostComponents({ ...common, kinds: ['etcd'], etcd: join }) : []),
        ...(kinds.some((k) => k !== 'etcd') ? buildHostComponents({ ...common, kinds: kinds.filter((k) => k !== 'etcd'), etcd: { members: clusterMembers, initialClusterState: 'new' } }) : []),
      ];
      next.set(host.id, specs);
    }

    // spec changes of healthy components roll one at a time
    const rollout = planRollout(
      hosts.flatMap((host) => {
        const specs = next.get(host.id)!;
        const names = new Set([...specs.map((s) => s.name), ...components.filter((c) => c.hostId === host.id).map((c) => c.name)]);
        return [...names].map((name) => {
          const spec = specs.find((s) => s.name === name);
          const was = written.get(key(host.id, name));
          const s = statusOf.get(key(host.id, name));
          return {
            hostId: host.id,
            name,
            kind: spec?.kind ?? was?.kind ?? name,
            currentHash: was?.specHash ?? null,
            nextHash: spec ? specHash(spec) : null,
            observed: s ? { specHash: s.specHash, healthy: s.healthy && s.phase === 'running' } : null,
            hostActive: host.state === 'active',
            label: `${name} on ${host.hostname}`,
          };
        });
      }),
    );
    const held = new Set(rollout.hold);
    const released = new Set(rollout.release);
    const desiredHash = new Map<string, string>();
    const writes: Array<{ hostId: string; specs: ComponentSpec[] }> = [];
    for (const host of hosts) {
      const specs = next.get(host.id)!.map((spec) => (held.has(key(host.id, spec.name)) ? written.get(key(host.id, spec.name))!.spec : spec));
      for (const spec of specs) {
        desiredHash.set(`${host.id}/${spec.kind}`, specHash(spec));
        const was = written.get(key(host.id, spec.name));
        if (was && released.has(key(host.id, spec.name)) && was.specHash !== specHash(spec) && statusOf.get(key(host.id, spec.name))?.healthy) {
          await this.events.record({ environmentId: env.id, hostId: host.id, component: spec.name, reason: 'RollingUpdate', message: `updating ${spec.name} on ${host.hostname} (the only healthy component updated now)` });
        }
      }
      writes.push({ hostId: host.id, specs });
    }
    await this.desired.setEnvironmentComponents(env.id, writes);
    await this.recordPlacementChanges(env, plan, current, placement);

    const derived = deriveEnvironmentStatus({
      state: env.state,
      placement: placement.map((p) => ({ ...p, specHash: desiredHash.get(`${p.hostId}/${p.kind}`) })),
      componentStatuses,
      hostsSufficient: plan.sufficiency,
      ingressReplicas,
      conditions: env.conditions,
      hosts: hosts.map((h) => ({ id: h.id, hostname: h.hostname, address: addressOf(h), state: h.state })),
      now,
    });
    const extra = this.repairConditions(plan, outcome.problem, rollout.waitingFor);
    if (scale) extra.push(scale.condition);
    const healthyApiServers = controlPlaneHosts
      .filter((h) => h.state === 'active' && statusOf.get(key(h.id, 'kube-apiserver'))?.healthy)
      .map((h) => `https://${addressOf(h)}:${APISERVER_PORT}`);
    // kube-dns routes to the CoreDNS of every active host where it is healthy
    const dnsServers = hosts
      .filter((h) => h.state === 'active' && statusOf.get(key(h.id, 'cluster-dns'))?.healthy)
      .map((h) => ({ address: addressOf(h), node: h.hostname }));
    const objectsApplied = await this.clusterObjects.ensureObjects(env.conditions, secrets, healthyApiServers, { serviceIp: env.networking.dnsServiceIp, servers: dnsServers });
    if (objectsApplied) extra.push(objectsApplied);
    const nodeCidrs = await this.clusterObjects.ensureNodeCidrs(
      secrets,
      healthyApiServers,
      hosts.filter((h) => podNetwork.hosts[h.id] && statusOf.get(key(h.id, 'kubelet'))?.healthy).map((h) => ({ node: h.hostname, cidr: podNetwork.hosts[h.id]!.nodeCidr })),
    );
    if (nodeCidrs.condition) extra.push(nodeCidrs.condition);
    await this.recordRefusals(env, extra);
    await this.status.write(env, { ...derived, conditions: setConditions(derived.conditions, extra, now) });

    if (plan.etcd.action === 'refuse') return true; // only hosts coming back (which enqueue a reconcile) can change this
    return derived.state === 'active' && plan.etcd.action === 'none' && rollout.hold.length === 0 && !outcome.problem && !nodeCidrs.pending;
  }

  /**
   * Corral's IPAM: every worker (a host with containerd placed) keeps the pod CIDR its written
   * pod-network spec carries, new ones get the lowest free block; a worker the cluster CIDR has
   * no room for gets no worker components until one frees up.
   */
  private planPodNetwork(env: Environment, hosts: Host[], kindsByHost: Map<string, ComponentKind[]>, written: Map<string, Component>) {
    const workers = hosts.filter((h) => kindsByHost.get(h.id)?.includes('containerd'));
    const existing: Record<string, string> = {};
    for (const h of workers) {
      const cidr = written.get(key(h.id, 'pod-network'))?.spec && readNodeCidr(written.get(key(h.id, 'pod-network'))!.spec);
      if (cidr) existing[h.id] = cidr;
    }
    const plan = planPodNetwork(env.networking.clusterCidr, NODE_CIDR_MASK_SIZE, workers.map((h) => ({ id: h.id, address: h.addresses[0] })), existing);
    for (const hostId of plan.exhausted) {
      kindsByHost.set(hostId, kindsByHost.get(hostId)!.filter((k) => !WORKER_KINDS.includes(k as (typeof WORKER_KINDS)[number])));
    }
    return plan;
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

  /**
   * How each etcd member starts. A member with a written spec keeps the join it started with
   * (its spec stays stable, so it never restarts for a membership change elsewhere). A new
   * cluster starts with every member and initial-cluster-state=new. A member added to a
   * running cluster joins with initial-cluster-state=existing, etcd's member list and a data
   * directory of its own.
   */
  private async etcdJoins(
    env: Environment,
    plan: PlacementPlan,
    etcdHosts: Host[],
    written: Map<string, Component>,
    knownMembers: EtcdMember[] | null,
    hosts: Host[],
  ): Promise<Map<string, EtcdJoin>> {
    const joins = new Map<string, EtcdJoin>();
    const defaultToken = `corral-${env.id}`;
    let token: string | null = null;
    for (const h of etcdHosts) {
      const was = written.get(key(h.id, 'etcd'));
      const join = was ? readEtcdJoin(was.spec, h.addresses[0]) : null;
      if (join) {
        joins.set(h.id, join);
        token ??= join.clusterToken;
      }
    }
    const joining = etcdHosts.filter((h) => !joins.has(h.id));
    if (joining.length === 0) return joins;
    if (joins.size === 0 || plan.etcd.action === 'bootstrap') {
      const members = etcdHosts.map((h) => ({ name: h.hostname, address: h.addresses[0] }));
      for (const h of joining) joins.set(h.id, { members, initialClusterState: 'new', clusterToken: token ?? defaultToken, dataDir: '${dataDir}' });
      return joins;
    }
    let members = knownMembers;
    if (!members) {
      const client = await this.membership.client(env.id, etcdHosts.filter((h) => joins.has(h.id) && h.state === 'active').map((h) => h.addresses[0]));
      members = client ? await client.memberList().catch(() => null) : null;
    }
    const nameOf = new Map(hosts.map((h) => [h.addresses[0], h.hostname]));
    for (const h of joining) {
      const inCluster = members?.some((m) => m.peerUrls.some((u) => u.includes(`//${h.addresses[0]}:`)));
      // not in etcd's list (or the list is unreadable): its etcd waits for the next reconcile
      if (!members || !inCluster) continue;
      joins.set(h.id, existingClusterJoin(members, (address) => nameOf.get(address), token ?? defaultToken, `\${dataDir}/member-${Date.now().toString(36)}`));
    }
    return joins;
  }

  /** EtcdReady when the membership step is refused or failed; RemediationAllowed (maxUnhealthy); UpToDate (rollout). */
  private repairConditions(plan: PlacementPlan, problem: { reason: string; message: string } | null, rolloutWaiting: string | null): ConditionInput[] {
    const out: ConditionInput[] = [];
    const refusal = plan.etcd.action === 'refuse' ? plan.etcd : null;
    if (refusal?.reason === 'QuorumAtRisk') out.push({ type: 'EtcdReady', status: 'False', reason: 'QuorumAtRisk', message: refusal.message });
    else if (problem) out.push({ type: 'EtcdReady', status: 'False', reason: problem.reason, message: problem.message });
    out.push(
      refusal?.reason === 'TooManyUnhealthy'
        ? { type: 'RemediationAllowed', status: 'False', reason: 'TooManyUnhealthy', message: refusal.message }
        : { type: 'RemediationAllowed', status: 'True', reason: 'WithinLimits', message: `repairs allowed while at most ${Math.round(this.config.maxUnhealthyHosts * 100)}% of hosts are disconnected or lost` },
    );
    out.push(
      rolloutWaiting
        ? { type: 'UpToDate', status: 'False', reason: 'RollingUpdate', message: rolloutWaiting }
        : { type: 'UpToDate', status: 'True', reason: 'AllUpdatesReleased', message: 'every component has its desired spec written' },
    );
    return out;
  }

  /** A refusal is an event when it starts or its reason changes, not on every look; a scale problem when its message changes. */
  private async recordRefusals(env: Environment, conditions: ConditionInput[]): Promise<void> {
    for (const c of conditions) {
      if (c.type === 'IngressScale') {
        if (c.status === 'False' && getCondition(env.conditions, c.type)?.message !== c.message) {
          await this.events.record({ environmentId: env.id, type: 'Warning', reason: c.reason === 'InvalidScale' ? 'IngressScaleInvalid' : 'IngressScaleCapped', message: c.message });
        }
        continue;
      }
      if (c.status !== 'False' || !['QuorumAtRisk', 'TooManyUnhealthy', 'EtcdUnreachable', 'MembershipChangeRefused'].includes(c.reason)) continue;
      const before: Condition | undefined = getCondition(env.conditions, c.type);
      if (before?.reason === c.reason) continue;
      const reason = c.reason === 'TooManyUnhealthy' ? 'RemediationStopped' : 'EtcdMembershipRefused';
      await this.events.record({ environmentId: env.id, type: 'Warning', reason, message: c.message });
    }
  }

  /** One event per placement change actually written, with the planner's reason. */
  private async recordPlacementChanges(env: Environment, plan: PlacementPlan, current: Placement[], placement: Placement[]): Promise<void> {
    const had = new Set(current.map((p) => key(p.hostId, p.kind)));
    const has = new Set(placement.map((p) => key(p.hostId, p.kind)));
    for (const change of plan.changes) {
      const k = key(change.hostId, change.kind);
      const applied = change.action === 'add' ? has.has(k) && !had.has(k) : had.has(k) && !has.has(k);
      if (!applied || change.reason === 'Initial') continue;
      await this.events.record({
        environmentId: env.id,
        hostId: change.hostId,
        component: change.kind,
        type: change.action === 'remove' && change.reason !== 'ScaledDown' ? 'Warning' : 'Normal',
        reason: change.action === 'add' ? 'ComponentPlaced' : 'ComponentUnplaced',
        message: change.message,
      });
    }
  }
}

function toPlannerHost(host: Host): PlannerHost {
  return { id: host.id, hostname: host.hostname, address: host.addresses[0], roles: host.roles, state: host.state, labels: host.labels };
}

function toMembershipHost(host: Host) {
  return { id: host.id, hostname: host.hostname, address: host.addresses[0], state: host.state };
}
