import { Module } from '@nestjs/common';
import { AgentController } from './agent.controller';
import { HostsModule } from '../hosts/hosts.module';
import { ComponentsModule } from '../components/components.module';
import { QueueModule } from '../queue/queue.module';
import { SnapshotsModule } from '../snapshots/snapshots.module';
import { HostImagesModule } from '../images/host-images.module';

@Module({
  imports: [HostsModule, ComponentsModule, QueueModule, SnapshotsModule, HostImagesModule],
  controllers: [AgentController],
})
export class AgentProtocolModule {}
