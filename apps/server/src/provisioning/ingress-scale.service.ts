import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { canRunKind, getCondition, ingressScaleRequests, planIngressScale, type IngressObject, type IngressScalePlan } from '@corral/domain';
import { INGRESS_CLASS } from '@corral/kube';
import { Environment } from '../environments/environment.entity';
import { HostsService } from '../hosts/hosts.service';
import { DesiredStateService } from '../components/desired-state.service';
import { HostComponentsService } from '../components/host-components.service';
import { JobsQueue } from '../queue/jobs-queue.service';
import { clusterApi } from './cluster-api';
import { EnvironmentPkiService } from './environment-pki.service';
import { indexView, type ReconcileHost, type ReconcileView } from './phases/reconcile-view';
import { BASE_INGRESS_REPLICAS, toPlannerHost } from './phases/placement.phase';
import { healthyApiServers } from './phases/status.phase';

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
  async plan(env: Pick<Environment, 'id' | 'name'>, view: Pick<ReconcileView, 'hosts' | 'hostById' | 'components' | 'statusOf'>): Promise<IngressScalePlan | null> {
    const apiServerHosts = view.components.filter((c) => c.kind === 'kube-apiserver').map((c) => view.hostById.get(c.hostId)).filter((h): h is ReconcileHost => !!h);
    const servers = healthyApiServers(view, apiServerHosts);
    if (servers.length === 0) return null;
    const secrets = await this.pki.load(env.id);
    if (!secrets) return null;
    for (const server of servers) {
      try {
        const list = (await clusterApi(server, secrets, 'GET', '/apis/networking.k8s.io/v1/ingresses')).body as { items?: IngressObject[] };
        const eligible = view.hosts.filter((h) => h.state === 'active' && canRunKind(toPlannerHost(h), 'ingress-controller'));
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
      const plan = await this.plan(env, indexView(hosts, components, await this.hostComponents.statusesForHosts(hosts.map((h) => h.id))));
      if (!plan) continue;
      const now = getCondition(env.conditions, plan.condition.type);
      if (now?.status === plan.condition.status && now.reason === plan.condition.reason && now.message === plan.condition.message) continue;
      await this.jobs.enqueue('reconcile', { environmentId: env.id });
      enqueued++;
    }
    return enqueued;
  }
}
