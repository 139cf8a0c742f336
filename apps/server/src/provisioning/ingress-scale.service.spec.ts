import type { DataSource } from 'typeorm';
import type { IngressScaleRequest } from '@corral/domain';
import type { Environment } from '../environments/environment.entity';
import type { JobsQueue } from '../queue/jobs-queue.service';
import type { EnvironmentObserver } from './environment-observer';
import type { EnvironmentPkiService } from './environment-pki.service';
import { IngressScaleService } from './ingress-scale.service';
import { host, view } from './phases/reconcile-fixtures.spec-helper';

/** The check with its I/O faked: one environment row, a fixed view, Ingress reads scripted per tick. */
function harness(reads: Array<IngressScaleRequest[] | null>) {
  const row = { id: 'env-1', name: 'dev', state: 'active', conditions: [], ingressDemand: null } as unknown as Environment;
  const updates: unknown[] = [];
  const repository = {
    find: async () => [row],
    update: async (_where: unknown, set: Partial<Environment>) => {
      updates.push(set.ingressDemand);
      Object.assign(row, set);
    },
  };
  const dataSource = { getRepository: () => repository } as unknown as DataSource;
  const observer = { observe: async () => ({ hosts: [], view: view([host(1), host(2), host(3)]) }) } as unknown as EnvironmentObserver;
  const enqueued: unknown[] = [];
  const jobs = { enqueue: async (name: string, data: unknown) => void enqueued.push([name, data]) } as unknown as JobsQueue;
  const service = new IngressScaleService(dataSource, observer, {} as EnvironmentPkiService, jobs);
  const readDemand = jest.spyOn(service, 'readDemand').mockImplementation(async () => reads.shift() ?? null);
  return { service, row, updates, enqueued, readDemand };
}

describe('IngressScaleService.checkAll: the one read of the Ingresses per change', () => {
  it('stores a changed demand for the reconcile and enqueues it once; the same demand again changes nothing', async () => {
    const scale2 = [{ key: 'default/app', annotation: '2' }];
    const h = harness([scale2, [...scale2], null, [{ key: 'default/app', annotation: '3' }]]);
    expect(await h.service.checkAll()).toBe(1);
    expect(h.row.ingressDemand).toEqual(scale2);
    expect(h.enqueued).toEqual([['reconcile', { environmentId: 'env-1' }]]);
    // the reconcile wrote the condition the demand gives
    h.row.conditions = [{ type: 'IngressScale', status: 'True', reason: 'Applied', message: '2 load balancer instance(s): the largest corral.dev/scale is 2 (default/app)', lastTransitionTime: '' }];
    expect(await h.service.checkAll()).toBe(0);
    // no apiserver answered: the stored demand stays as it was
    expect(await h.service.checkAll()).toBe(0);
    expect(h.row.ingressDemand).toEqual(scale2);
    expect(await h.service.checkAll()).toBe(1);
    expect(h.updates).toEqual([scale2, [{ key: 'default/app', annotation: '3' }]]);
    expect(h.readDemand).toHaveBeenCalledTimes(4);
  });

  it('enqueues a reconcile when the demand is unchanged but the condition it gives is not written yet', async () => {
    const h = harness([[]]);
    h.row.ingressDemand = [];
    expect(await h.service.checkAll()).toBe(1);
    expect(h.updates).toEqual([]);
  });
});
