import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EtcdSnapshot } from './etcd-snapshot.entity';
import { EtcdRestore } from './etcd-restore.entity';
import { SnapshotStore } from './snapshot-store.service';
import { SnapshotsController } from './snapshots.controller';
import { EnvironmentsModule } from '../environments/environments.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';

/** Storage of etcd snapshots and restores; taking and restoring them is provisioning's job. */
@Module({
  imports: [TypeOrmModule.forFeature([EtcdSnapshot, EtcdRestore]), EnvironmentsModule, EventsModule, QueueModule],
  controllers: [SnapshotsController],
  providers: [SnapshotStore],
  exports: [SnapshotStore],
})
export class SnapshotsModule {}
