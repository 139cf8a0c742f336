import { Module } from '@nestjs/common';
import { AgentController } from './agent.controller';
import { HostsModule } from '../hosts/hosts.module';
import { ComponentsModule } from '../components/components.module';
import { QueueModule } from '../queue/queue.module';
import { SnapshotsModule } from '../snapshots/snapshots.module';

@Module({
  imports: [HostsModule, ComponentsModule, QueueModule, SnapshotsModule],
  controllers: [AgentController],
})
export class AgentProtocolModule {}
