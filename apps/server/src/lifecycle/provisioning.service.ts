import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../environments/environment.entity';
import { EventsService } from '../events/events.service';

/**
 * Level-based reconcile of one environment. Placement, PKI and component specs are not wired
 * in yet (provisioning issue): for now it acknowledges the environment once and leaves it pending.
 */
@Injectable()
export class ProvisioningService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  async reconcile(environmentId: string): Promise<void> {
    const env = await this.dataSource.getRepository(Environment).findOneBy({ id: environmentId });
    if (!env || env.state === 'deleting' || env.state === 'deleted') return;
    await this.dataSource.transaction(async (manager) => {
      const acknowledged = await manager.getRepository(Environment).update(
        { id: env.id, observedGeneration: 0 },
        { observedGeneration: env.generation },
      );
      if (acknowledged.affected) {
        await this.events.record({ environmentId: env.id, reason: 'ProvisionQueued', message: `provision job picked up environment ${env.name}; waiting for hosts` }, manager);
      }
    });
  }
}
