import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Image } from './image.entity';
import { ImageStore } from './image-store.service';
import { ImagesService } from './images.service';
import { ImagesController } from './images.controller';
import { AgentImagesController } from './agent-images.controller';
import { ComponentsModule } from '../components/components.module';
import { EventsModule } from '../events/events.module';
import { HostsModule } from '../hosts/hosts.module';

/** Image archives for the hosts' containerd: the API, the agents' downloads, the bundled ones at start. */
@Module({
  imports: [TypeOrmModule.forFeature([Image]), ComponentsModule, EventsModule, HostsModule],
  controllers: [ImagesController, AgentImagesController],
  providers: [ImageStore, ImagesService],
  exports: [ImageStore],
})
export class ImagesModule {}
