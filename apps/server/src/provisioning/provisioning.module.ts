import { Module } from '@nestjs/common';
import { ProvisioningService } from './provisioning.service';
import { EnvironmentPkiService } from './environment-pki.service';
import { EnvironmentStatusService } from './environment-status.service';
import { KubeconfigController } from './kubeconfig.controller';
import { HostsModule } from '../hosts/hosts.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { ComponentsModule } from '../components/components.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';

@Module({
  imports: [HostsModule, EnvironmentsModule, ComponentsModule, EventsModule, QueueModule],
  controllers: [KubeconfigController],
  providers: [ProvisioningService, EnvironmentPkiService, EnvironmentStatusService],
  exports: [ProvisioningService],
})
export class ProvisioningModule {}
