import { Module } from '@nestjs/common';
import { CorralProcessor } from './corral.processor';
import { EnvironmentTeardownService } from './environment-teardown.service';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { HostsModule } from '../hosts/hosts.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { ComponentsModule } from '../components/components.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { RetentionService } from './retention.service';
import { SnapshotsModule } from '../snapshots/snapshots.module';

/** The queue worker: imported only by processes with the worker role. */
@Module({
  imports: [ProvisioningModule, HostsModule, EnvironmentsModule, ComponentsModule, EventsModule, QueueModule, MonitoringModule, IdempotencyModule, SnapshotsModule],
  providers: [CorralProcessor, EnvironmentTeardownService, RetentionService],
})
export class LifecycleModule {}
