import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { getCondition, ingressScaleRequests, type IngressObject, type IngressScaleRequest } from '@corral/domain';
import { INGRESS_CLASS } from '@corral/kube';
import { Environment } from '../environments/environment.entity';
import { JobsQueue } from '../queue/jobs-queue.service';
import { clusterApi } from './cluster-api';
import { EnvironmentObserver } from './environment-observer';
import { EnvironmentPkiService } from './environment-pki.service';
import { ingressScale, sameDemand, sortDemand } from './phases/ingress.phase';
import type { ReconcileHost, ReconcileView } from './phases/reconcile-view';
import { healthyApiServers } from './phases/status.phase';

/** every state in which an apiserver may answer and the reconcile places ingress controllers */
const CHECKED_STATES = ['provisioning', 'active', 'degraded'];

/**
 * corral.dev/scale, seen from the server: the periodic ingress-scale-check lists each
 * environment's Ingresses, as the environment's admin, through an apiserver that reports
 * healthy; what they ask for (the demand) is stored on the environment (`ingress_demand`), and a
 * reconcile is enqueued when the demand or the IngressScale condition it gives would change.
 * The reconcile plans from the stored demand (phases/ingress.phase.ts) and never lists the
 * Ingresses itself: one read per change.
 */
@Injectable()
export class IngressScaleService {
  private readonly logger = new Logger(IngressScaleService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly observer: EnvironmentObserver,
    private readonly pki: EnvironmentPkiService,
    private readonly jobs: JobsQueue,
  ) {}

  /** The environment's Ingresses as scale requests (sorted), or null when no apiserver could list them (nothing known). */
  async readDemand(env: Pick<Environment, 'id' | 'name'>, view: Pick<ReconcileView, 'hostById' | 'components' | 'statusOf'>): Promise<IngressScaleRequest[] | null> {
    const apiServerHosts = view.components.filter((c) => c.kind === 'kube-apiserver').map((c) => view.hostById.get(c.hostId)).filter((h): h is ReconcileHost => !!h);
    const servers = healthyApiServers(view, apiServerHosts);
    if (servers.length === 0) return null;
    const secrets = await this.pki.load(env.id);
    if (!secrets) return null;
    for (const server of servers) {
      try {
        const list = (await clusterApi(server, secrets, 'GET', '/apis/networking.k8s.io/v1/ingresses')).body as { items?: IngressObject[] };
        return sortDemand(ingressScaleRequests(list.items ?? [], INGRESS_CLASS));
      } catch (err) {
        this.logger.debug(`listing the Ingresses of ${env.name} through ${server} failed: ${(err as Error).message}`);
      }
    }
    return null;
  }

  /** Stores every checked environment's Ingress demand; enqueues a reconcile where it, or the IngressScale condition, would change. */
  async checkAll(): Promise<number> {
    const repository = this.dataSource.getRepository(Environment);
    const envs = await repository.find({ where: { state: In(CHECKED_STATES) } });
    let enqueued = 0;
    for (const env of envs) {
      const { view } = await this.observer.observe(env.id);
      const demand = await this.readDemand(env, view);
      if (!demand) continue;
      const changed = !sameDemand(env.ingressDemand, demand);
      if (changed) await repository.update({ id: env.id }, { ingressDemand: demand });
      const condition = ingressScale(demand, view).condition!;
      const now = getCondition(env.conditions, condition.type);
      if (!changed && now?.status === condition.status && now.reason === condition.reason && now.message === condition.message) continue;
      await this.jobs.enqueue('reconcile', { environmentId: env.id });
      enqueued++;
    }
    return enqueued;
  }
}
