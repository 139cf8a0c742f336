import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ComponentKind, ComponentSpec } from '@corral/contracts';
import { Placement, PlannerHost, deriveEnvironmentStatus, planPlacement, setCondition } from '@corral/domain';
import { buildHostComponents, specHash } from '@corral/kube';
import { Environment } from '../environments/environment.entity';
import { HostsService } from '../hosts/hosts.service';
import type { Host } from '../hosts/host.entity';
import { DesiredStateService } from '../components/desired-state.service';
import { HostComponentsService } from '../components/host-components.service';
import { EventsService } from '../events/events.service';
import { withAdvisoryLock } from '../persistence/advisory-lock';
import { EnvironmentPkiService } from './environment-pki.service';
import { EnvironmentStatusService } from './environment-status.service';

const INGRESS_REPLICAS = 1;
const APISERVER_PORT = 6443;

/**
 * Level-based reconcile of one environment: plan placement from the hosts, issue what PKI the
 * placement needs, write each host's desired components, then derive state and conditions from
 * what the agents report. Safe to repeat, to run twice, or to crash half-way.
 */
@Injectable()
export class ProvisioningService {
  private readonly logger = new Logger(ProvisioningService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hosts: HostsService,
    private readonly desired: DesiredStateService,
    private readonly hostComponents: HostComponentsService,
    private readonly pki: EnvironmentPkiService,
    private readonly status: EnvironmentStatusService,
    private readonly events: EventsService,
  ) {}

  /** Returns true when the environment has converged; false asks the caller to look again soon. */
  reconcile(environmentId: string): Promise<boolean> {
    return withAdvisoryLock(this.dataSource, `environment-${environmentId}`, () => this.reconcileLocked(environmentId));
  }

  /** Returns true when nothing is left to converge. */
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
    const current: Placement[] = components.map((c) => ({ hostId: c.hostId, kind: c.kind as ComponentKind }));
    const statuses = await this.hostComponents.statusesForHosts(hosts.map((h) => h.id));
    const kindOf = new Map(components.map((c) => [`${c.hostId}/${c.name}`, c.kind]));
    const componentStatuses = statuses
      .filter((s) => kindOf.has(`${s.hostId}/${s.name}`))
      .map((s) => ({ ...s, kind: kindOf.get(`${s.hostId}/${s.name}`)!, lastLogLines: s.lastLogLines }));
    const etcdMemberHealth = Object.fromEntries(componentStatuses.filter((s) => s.kind === 'etcd').map((s) => [s.hostId, s.healthy]));

    const plan = planPlacement({
      spec: { etcdMembers: env.etcdMembers as 1 | 3 | 5, ingressReplicas: INGRESS_REPLICAS },
      hosts: hosts.map(toPlannerHost),
      current,
      etcdMemberHealth,
    });
    const bootstrapped = current.some((p) => p.kind === 'etcd');
    if (!bootstrapped && !plan.sufficiency.sufficient) {
      await this.status.write(env, {
        state: 'provisioning',
        conditions: setCondition(env.conditions, { type: 'HostsSufficient', status: 'False', reason: 'WaitingForHosts', message: plan.sufficiency.message }, now),
        message: plan.sufficiency.message,
      });
      return true; // nothing to do until a host registers, which enqueues a reconcile
    }

    const placement = this.applicablePlacement(env, plan, current);
    for (const refusal of plan.refusals) {
      await this.events.record({ environmentId: env.id, type: 'Warning', reason: refusal.reason, message: refusal.message });
    }

    const kindsByHost = new Map<string, ComponentKind[]>();
    for (const p of placement) kindsByHost.set(p.hostId, [...(kindsByHost.get(p.hostId) ?? []), p.kind]);
    const addressOf = (h: Host) => h.addresses[0];
    const controlPlaneHosts = placement.filter((p) => p.kind === 'kube-apiserver').map((p) => hostById.get(p.hostId)!).filter(Boolean);
    const etcdHosts = placement.filter((p) => p.kind === 'etcd').map((p) => hostById.get(p.hostId)!).filter(Boolean);
    const { secrets, issued } = await this.pki.reconcile(
      env,
      [...kindsByHost.entries()].map(([hostId, kinds]) => ({ hostId, hostname: hostById.get(hostId)!.hostname, address: addressOf(hostById.get(hostId)!), kinds })),
      controlPlaneHosts.map(addressOf),
    );
    if (issued.length) {
      await this.events.record({ environmentId: env.id, reason: 'CertificatesIssued', message: `issued ${issued.length} certificate(s): ${issued.slice(0, 8).join(', ')}${issued.length > 8 ? ', …' : ''}` });
    }

    const desiredHash = new Map<string, string>();
    const writes: Array<{ hostId: string; specs: ComponentSpec[] }> = [];
    for (const host of hosts) {
      const kinds = kindsByHost.get(host.id) ?? [];
      const specs = kinds.length
        ? buildHostComponents({
            environment: { id: env.id, name: env.name, kubernetesVersion: env.kubernetesVersion, networking: env.networking },
            host: { id: host.id, hostname: host.hostname, address: addressOf(host) },
            kinds,
            etcd: { members: etcdHosts.map((h) => ({ name: h.hostname, address: addressOf(h) })), initialClusterState: 'new' },
            apiServerEndpoints: controlPlaneHosts.map((h) => `https://${addressOf(h)}:${APISERVER_PORT}`),
            cas: secrets.cas,
            pki: secrets.hosts[host.id],
          })
        : [];
      for (const spec of specs) desiredHash.set(`${host.id}/${spec.kind}`, specHash(spec));
      writes.push({ hostId: host.id, specs });
    }
    await this.desired.setEnvironmentComponents(env.id, writes);

    const derived = deriveEnvironmentStatus({
      state: env.state,
      placement: placement.map((p) => ({ ...p, specHash: desiredHash.get(`${p.hostId}/${p.kind}`) })),
      componentStatuses,
      hostsSufficient: plan.sufficiency,
      ingressReplicas: INGRESS_REPLICAS,
      conditions: env.conditions,
      hosts: hosts.map((h) => ({ id: h.id, hostname: h.hostname, address: addressOf(h), state: h.state })),
      now,
    });
    await this.status.write(env, derived);
    return derived.state === 'active' && plan.etcd.action === 'none';
  }

  /**
   * The placement to write. etcd membership changes after bootstrap need the etcd members API
   * (a later step); until then the running members are kept as they are and the plan's
   * membership step is only reported.
   */
  private applicablePlacement(env: Environment, plan: ReturnType<typeof planPlacement>, current: Placement[]): Placement[] {
    if (plan.etcd.action !== 'add' && plan.etcd.action !== 'remove') return plan.placement;
    this.logger.warn({ environmentId: env.id }, `etcd membership change not applied: ${plan.etcd.message}`);
    return [...plan.placement.filter((p) => p.kind !== 'etcd'), ...current.filter((p) => p.kind === 'etcd')];
  }
}

function toPlannerHost(host: Host): PlannerHost {
  return { id: host.id, hostname: host.hostname, address: host.addresses[0], roles: host.roles, state: host.state, labels: host.labels };
}
