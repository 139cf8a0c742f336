import { Injectable } from '@nestjs/common';
import { DesiredStateService } from '../components/desired-state.service';
import { HostComponentsService } from '../components/host-components.service';
import type { Host } from '../hosts/host.entity';
import { HostsService } from '../hosts/hosts.service';
import { indexView, type ReconcileView } from './phases/reconcile-view';

/**
 * The observe step of every decision about one environment: its hosts, the components written
 * for them and what their agents report, indexed (reconcile-view). The reconcile and the
 * ingress-scale check both start from it.
 */
@Injectable()
export class EnvironmentObserver {
  constructor(
    private readonly hosts: HostsService,
    private readonly desired: DesiredStateService,
    private readonly hostComponents: HostComponentsService,
  ) {}

  async observe(environmentId: string): Promise<{ hosts: Host[]; view: ReconcileView }> {
    const hosts = await this.hosts.listForEnvironment(environmentId);
    const components = await this.desired.listForEnvironment(environmentId);
    const statuses = await this.hostComponents.statusesForHosts(hosts.map((h) => h.id));
    return { hosts, view: indexView(hosts, components, statuses) };
  }
}
