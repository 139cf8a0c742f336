import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Host } from './host.entity';
import { HostsService } from './hosts.service';
import { HostRegistrationService } from './host-registration.service';
import { HostsController } from './hosts.controller';
import { HostCredentialGuard } from './host-credential.guard';
import { RegistrationTokensModule } from '../registration-tokens/registration-tokens.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';
import { ComponentsModule } from '../components/components.module';
import { HostPoolModule } from './host-pool.module';
import { HostPoolsController } from './host-pools.controller';
import { HostImagesModule } from '../images/host-images.module';

@Module({
  imports: [TypeOrmModule.forFeature([Host]), RegistrationTokensModule, EnvironmentsModule, EventsModule, QueueModule, ComponentsModule, HostPoolModule, HostImagesModule],
  controllers: [HostsController, HostPoolsController],
  providers: [HostsService, HostRegistrationService, HostCredentialGuard],
  exports: [HostsService, HostRegistrationService, HostCredentialGuard],
})
export class HostsModule {}
