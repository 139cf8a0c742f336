import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { canRunKind, getCondition, ingressScaleRequests, planIngressScale, type IngressObject, type IngressScalePlan } from '@corral/domain';
import { INGRESS_CLASS } from '@corral/kube';
import { Environment } from '../environments/environment.entity';
import type { Host } from '../hosts/host.entity';
import { HostsService } from '../hosts/hosts.service';
import type { Component } from '../components/component.entity';
import { DesiredStateService } from '../components/desired-state.service';
import { HostComponentsService } from '../components/host-components.service';
import type { ComponentStatus } from '../components/component-status.entity';
import { JobsQueue } from '../queue/jobs-queue.service';
import { clusterApi } from './cluster-api';
import { EnvironmentPkiService } from './environment-pki.service';

/** how often every active environment's Ingresses are read for a changed corral.dev/scale */
export const INGRESS_SCALE_CHECK_MS = 5_000;
/** ingress-controller replicas (one HAProxy each) with no Ingress asking for more */
export const BASE_INGRESS_REPLICAS = 1;
const APISERVER_PORT = 6443;
const CHECKED_STATES = ['active', 'degraded'];

/**
 * corral.dev/scale, seen from the server: how many load balancer instances an environment runs
 * is the largest scale its Ingresses ask for (planIngressScale), read as the environment's admin
 * from an apiserver that reports healthy. The reconcile places that many; a periodic check
 * enqueues a reconcile when the answer (the IngressScale condition) would change.
 */
@Injectable()
export class IngressScaleService {
  private readonly logger = new Logger(IngressScaleService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hosts: HostsService,
    private readonly desired: DesiredStateService,
    private readonly hostComponents: HostComponentsService,
    private readonly pki: EnvironmentPkiService,
    private readonly jobs: JobsQueue,
  ) {}

  /** The plan from the environment's Ingresses, or null when no apiserver could list them (nothing known). */
  async plan(env: Environment, hosts: readonly Host[], components: readonly Component[], statuses: readonly ComponentStatus[]): Promise<IngressScalePlan | null> {
    const healthy = new Set(statuses.filter((s) => s.name === 'kube-apiserver' && s.healthy && s.phase === 'running').map((s) => s.hostId));
    const servers = components
      .filter((c) => c.kind === 'kube-apiserver' && healthy.has(c.hostId))
      .map((c) => hosts.find((h) => h.id === c.hostId && h.state === 'active'))
      .filter((h): h is Host => h !== undefined)
      .map((h) => `https://${h.addresses[0]}:${APISERVER_PORT}`);
    if (servers.length === 0) return null;
    const secrets = await this.pki.load(env.id);
    if (!secrets) return null;
    for (const server of servers) {
      try {
        const list = (await clusterApi(server, secrets, 'GET', '/apis/networking.k8s.io/v1/ingresses')).body as { items?: IngressObject[] };
        const eligible = hosts.filter((h) => h.state === 'active' && canRunKind({ id: h.id, hostname: h.hostname, address: h.addresses[0]!, roles: h.roles, state: h.state, labels: h.labels }, 'ingress-controller'));
        return planIngressScale(BASE_INGRESS_REPLICAS, ingressScaleRequests(list.items ?? [], INGRESS_CLASS), eligible.length);
      } catch (err) {
        this.logger.debug(`listing the Ingresses of ${env.name} through ${server} failed: ${(err as Error).message}`);
      }
    }
    return null;
  }

  /** Enqueues a reconcile of every active environment whose IngressScale condition would change. */
  async checkAll(): Promise<number> {
    const envs = await this.dataSource.getRepository(Environment).find({ where: { state: In(CHECKED_STATES) } });
    let enqueued = 0;
    for (const env of envs) {
      const hosts = await this.hosts.listForEnvironment(env.id);
      const components = await this.desired.listForEnvironment(env.id);
      const plan = await this.plan(env, hosts, components, await this.hostComponents.statusesForHosts(hosts.map((h) => h.id)));
      if (!plan) continue;
      const now = getCondition(env.conditions, plan.condition.type);
      if (now?.status === plan.condition.status && now.reason === plan.condition.reason && now.message === plan.condition.message) continue;
      await this.jobs.enqueue('reconcile', { environmentId: env.id });
      enqueued++;
    }
    return enqueued;
  }
}
