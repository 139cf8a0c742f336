import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorralEvent } from './event.entity';
import { EventsService } from './events.service';
import { EnvironmentEventsNotifier } from './environment-events-notifier';
import { EnvironmentEventStream } from './environment-event-stream';

@Module({
  imports: [TypeOrmModule.forFeature([CorralEvent])],
  providers: [EventsService, EnvironmentEventsNotifier, EnvironmentEventStream],
  exports: [EventsService, EnvironmentEventsNotifier, EnvironmentEventStream],
})
export class EventsModule {}
