import { Module } from '@nestjs/common';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';
import { MonitoringService } from './monitoring.service';
import { JobSchedules } from './job-schedules';
import { SnapshotsModule } from '../snapshots/snapshots.module';

/** Periodic monitoring for queue workers: resync, scheduled snapshots, certificate expiry, purging deleted environments. */
@Module({
  imports: [ProvisioningModule, EventsModule, QueueModule, SnapshotsModule],
  providers: [MonitoringService, JobSchedules],
  exports: [MonitoringService],
})
export class MonitoringModule {}
