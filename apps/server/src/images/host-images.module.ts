import { Module } from '@nestjs/common';
import { HostImagesService } from './host-images.service';
import { EventsModule } from '../events/events.module';

/** Hosts' reports about their images, apart from ImagesModule so that hosts and the agent protocol can use it without a module cycle. */
@Module({
  imports: [EventsModule],
  providers: [HostImagesService],
  exports: [HostImagesService],
})
export class HostImagesModule {}
