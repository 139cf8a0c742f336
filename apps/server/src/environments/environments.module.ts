import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Environment } from './environment.entity';
import { EnvironmentsService } from './environments.service';
import { EnvironmentsController } from './environments.controller';
import { EnvironmentWaiter } from './environment-waiter.service';
import { EnvironmentExpiryService } from './environment-expiry.service';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';
import { HostPoolModule } from '../hosts/host-pool.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';

@Module({
  imports: [TypeOrmModule.forFeature([Environment]), EventsModule, QueueModule, HostPoolModule, IdempotencyModule],
  controllers: [EnvironmentsController],
  providers: [EnvironmentsService, EnvironmentWaiter, EnvironmentExpiryService],
  exports: [EnvironmentsService, EnvironmentExpiryService],
})
export class EnvironmentsModule {}
