import { Module } from '@nestjs/common';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';
import { MonitoringService } from './monitoring.service';
import { JobSchedules } from './job-schedules';

/** Periodic monitoring for queue workers: resync, scheduled snapshots, certificate expiry. */
@Module({
  imports: [ProvisioningModule, EventsModule, QueueModule],
  providers: [MonitoringService, JobSchedules],
  exports: [MonitoringService],
})
export class MonitoringModule {}
