import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorralEvent } from './event.entity';
import { EventsService } from './events.service';

@Module({
  imports: [TypeOrmModule.forFeature([CorralEvent])],
  providers: [EventsService],
  exports: [EventsService],
})
export class EventsModule {}
