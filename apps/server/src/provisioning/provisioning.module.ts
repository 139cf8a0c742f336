import { ClusterBootstrapService } from './cluster-bootstrap.service';
import { IngressScaleService } from './ingress-scale.service';
import { EnvironmentObserver } from './environment-observer';
import { Module } from '@nestjs/common';
import { CaRotationController } from './ca-rotation/ca-rotation.controller';
import { CaRotationService } from './ca-rotation/ca-rotation.service';
import { CaRotationStore } from './ca-rotation/ca-rotation.store';
import { ProvisioningService } from './provisioning.service';
import { EnvironmentPkiService } from './environment-pki.service';
import { EnvironmentStatusService } from './environment-status.service';
import { EtcdMembershipService } from './etcd/etcd-membership.service';
import { EtcdSnapshotService } from './etcd/etcd-snapshot.service';
import { EtcdRestoreService } from './etcd/etcd-restore.service';
import { CertificatesController } from './certificates.controller';
import { SnapshotsModule } from '../snapshots/snapshots.module';
import { HostsModule } from '../hosts/hosts.module';
import { HostPoolModule } from '../hosts/host-pool.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { ComponentsModule } from '../components/components.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';

@Module({
  imports: [HostsModule, HostPoolModule, EnvironmentsModule, ComponentsModule, EventsModule, QueueModule, SnapshotsModule],
  controllers: [CertificatesController, CaRotationController],
  providers: [CaRotationStore, CaRotationService, ProvisioningService, EnvironmentObserver, ClusterBootstrapService, IngressScaleService, EnvironmentPkiService, EnvironmentStatusService, EtcdMembershipService, EtcdSnapshotService, EtcdRestoreService],
  exports: [ProvisioningService, IngressScaleService, EnvironmentPkiService, EnvironmentStatusService, EtcdMembershipService, EtcdSnapshotService],
})
export class ProvisioningModule {}
