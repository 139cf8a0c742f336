import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Component } from './component.entity';
import { ComponentStatus } from './component-status.entity';
import { DesiredStateService } from './desired-state.service';
import { DesiredStateNotifier } from './desired-state-notifier';
import { StatusIngestionService } from './status-ingestion.service';
import { HostComponentsService } from './host-components.service';
import { EventsModule } from '../events/events.module';

@Module({
  imports: [TypeOrmModule.forFeature([Component, ComponentStatus]), EventsModule],
  providers: [DesiredStateService, DesiredStateNotifier, StatusIngestionService, HostComponentsService],
  exports: [DesiredStateService, DesiredStateNotifier, StatusIngestionService, HostComponentsService],
})
export class ComponentsModule {}
