import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Host } from './host.entity';
import { HostPoolService } from './host-pool.service';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';

/** Pool claims, apart from HostsModule so that environments can claim hosts without a module cycle. */
@Module({
  imports: [TypeOrmModule.forFeature([Host]), EventsModule, QueueModule],
  providers: [HostPoolService],
  exports: [HostPoolService],
})
export class HostPoolModule {}
