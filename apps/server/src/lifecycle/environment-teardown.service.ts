import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../environments/environment.entity';
import { HostsService } from '../hosts/hosts.service';
import { DesiredStateService } from '../components/desired-state.service';
import { EventsService } from '../events/events.service';

/**
 * Deletes an environment: empties every host's desired state (the agents stop and wipe the
 * components), frees the hosts, and marks the environment deleted. Level-based and idempotent.
 */
@Injectable()
export class EnvironmentTeardownService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hosts: HostsService,
    private readonly desired: DesiredStateService,
    private readonly events: EventsService,
  ) {}

  async teardown(environmentId: string): Promise<void> {
    const env = await this.dataSource.getRepository(Environment).findOneBy({ id: environmentId });
    if (!env || env.state === 'deleted') return;
    if (env.state !== 'deleting') return;
    const hosts = await this.hosts.listForEnvironment(environmentId);
    for (const host of hosts) await this.desired.setHostComponents(host.id, null, []);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE hosts SET environment_id = NULL WHERE environment_id = $1`, [environmentId]);
      await manager.getRepository(Environment).update(environmentId, { state: 'deleted', deletedAt: new Date(), stateReason: env.stateReason });
      await this.events.record({ environmentId, reason: 'Deleted', message: `environment ${env.name} deleted; ${hosts.length} host(s) released` }, manager);
    });
  }
}
