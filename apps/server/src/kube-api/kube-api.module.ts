import { Module } from '@nestjs/common';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { ComponentsModule } from '../components/components.module';
import { HostsModule } from '../hosts/hosts.module';
import { KubeconfigController } from './kubeconfig.controller';
import { TlsController } from '../tls/tls.controller';
import { ApiserverPoolsService } from './apiserver-pools.service';
import { KubeApiCallersService } from './kube-api-callers.service';
import { KubeApiProxy } from './kube-api-proxy';

@Module({
  imports: [ProvisioningModule, EnvironmentsModule, ComponentsModule, HostsModule],
  controllers: [KubeconfigController, TlsController],
  providers: [KubeApiCallersService, ApiserverPoolsService, KubeApiProxy],
  exports: [KubeApiCallersService, KubeApiProxy],
})
export class KubeApiModule {}
