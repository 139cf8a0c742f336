import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { buildKubeconfig } from '@corral/kube';
import { RequireScope } from '../auth/auth.decorators';
import { EnvironmentsService } from '../environments/environments.service';
import { DesiredStateService } from '../components/desired-state.service';
import { HostsService } from '../hosts/hosts.service';
import { EnvironmentPkiService } from './environment-pki.service';

@ApiTags('environments')
@ApiBearerAuth()
@Controller('v1/environments/:env/kubeconfig')
export class KubeconfigController {
  constructor(
    private readonly environments: EnvironmentsService,
    private readonly desired: DesiredStateService,
    private readonly hosts: HostsService,
    private readonly pki: EnvironmentPkiService,
  ) {}

  /** The admin kubeconfig (YAML) for the environment's apiserver. */
  @Get()
  @RequireScope('write')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @ApiProduces('application/yaml')
  async get(@Param('env') name: string): Promise<string> {
    const env = await this.environments.get(name);
    const secrets = await this.pki.load(env.id);
    const apiserverHostIds = (await this.desired.listForEnvironment(env.id)).filter((c) => c.kind === 'kube-apiserver').map((c) => c.hostId);
    const hosts = (await this.hosts.listForEnvironment(env.id)).filter((h) => apiserverHostIds.includes(h.id));
    const server = hosts.find((h) => h.state === 'active') ?? hosts[0];
    if (!secrets || !server) throw new NotFoundException(`environment ${env.name} has no kube-apiserver yet (state ${env.state}); wait until it is provisioning its control plane`);
    return buildKubeconfig({
      environmentName: env.name,
      user: 'admin',
      serverUrl: `https://${server.addresses[0]}:6443`,
      caPem: secrets.cas.clusterCa.certPem,
      clientCertPem: secrets.admin.certPem,
      clientKeyPem: secrets.admin.keyPem,
    });
  }
}
