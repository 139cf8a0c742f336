import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EtcdSnapshot } from './etcd-snapshot.entity';
import { EtcdRestore } from './etcd-restore.entity';
import { SnapshotStore } from './snapshot-store.service';
import { SnapshotsController } from './snapshots.controller';
import { DeletedEnvironmentsController } from './deleted-environments.controller';
import { DeletedEnvironmentsService } from './deleted-environments.service';
import { EnvironmentsModule } from '../environments/environments.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { OBJECT_STORE } from './object-store';
import { createObjectStore } from './create-object-store';
import { SnapshotOrphanSweep } from './snapshot-orphan-sweep.service';

/** Storage of etcd snapshots and restores; taking and restoring them is provisioning's job. */
@Module({
  imports: [TypeOrmModule.forFeature([EtcdSnapshot, EtcdRestore]), EnvironmentsModule, EventsModule, QueueModule],
  controllers: [SnapshotsController, DeletedEnvironmentsController],
  providers: [SnapshotStore, DeletedEnvironmentsService, SnapshotOrphanSweep, { provide: OBJECT_STORE, inject: [CORRAL_CONFIG], useFactory: (config: CorralConfig) => createObjectStore(config.snapshotStore) }],
  exports: [SnapshotStore, DeletedEnvironmentsService, SnapshotOrphanSweep],
})
export class SnapshotsModule {}
