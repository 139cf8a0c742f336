import { Controller, ForbiddenException, Get, Header, Inject, NotFoundException, Param, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CertificateIssuer, buildKubeconfig, buildTokenKubeconfig, issueAdminCertificate } from '@corral/kube';
import { KUBE_API_PREFIX } from '@corral/domain';
import { RequireScope } from '../auth/auth.decorators';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { scopesAllow } from '../auth/scopes';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { EnvironmentsService } from '../environments/environments.service';
import { DesiredStateService } from '../components/desired-state.service';
import { HostsService } from '../hosts/hosts.service';
import { EnvironmentPkiService } from '../provisioning/environment-pki.service';
import { clusterTrust } from '../provisioning/environment-secrets';
import { KubeApiCallersService } from './kube-api-callers.service';
import { DEFAULT_DIRECT_KUBECONFIG_TTL, DEFAULT_KUBECONFIG_TTL, KubeconfigQuery } from './kubeconfig.query';
import { readServerCa, requestPublicUrl } from '../tls/server-tls';
import { FieldValidationException } from '../common/field-validation.exception';

const TTL_UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

@ApiTags('environments')
@ApiBearerAuth()
@Controller('v1/environments/:env/kubeconfig')
export class KubeconfigController {
  constructor(
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly environments: EnvironmentsService,
    private readonly desired: DesiredStateService,
    private readonly hosts: HostsService,
    private readonly pki: EnvironmentPkiService,
    private readonly callers: KubeApiCallersService,
  ) {}

  /**
   * A kubeconfig (YAML). By default for the environment's API through this server, with a new
   * token of the calling key (read keys get read access); `?endpoint=direct` for one
   * kube-apiserver with the cluster-admin certificate.
   */
  @Get()
  @RequireScope('read')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/yaml')
  async get(@Param('env') name: string, @Query() query: KubeconfigQuery, @Req() req: AuthenticatedRequest): Promise<string> {
    const env = await this.environments.get(name);
    const principal = req.principal!;
    if (query.endpoint === 'direct') {
      if (!scopesAllow(principal.scopes, 'write')) throw new ForbiddenException('endpoint=direct hands out the cluster-admin certificate: it needs a write key');
      return this.direct(env, parseTtl(query.ttl ?? DEFAULT_DIRECT_KUBECONFIG_TTL));
    }
    const ttlSeconds = parseTtl(query.ttl ?? DEFAULT_KUBECONFIG_TTL);
    const { token } = await this.callers.issueToken({ apiKeyId: principal.id, scopes: principal.scopes, environmentId: env.id, ttlSeconds });
    return buildTokenKubeconfig({
      environmentName: env.name,
      user: principal.name,
      serverUrl: `${requestPublicUrl(this.config, req)}${KUBE_API_PREFIX}${env.name}`,
      caPem: readServerCa(this.config),
      token,
    });
  }

  /**
   * A cluster-admin certificate of its own for every download, valid `ttlSeconds` (24 h by
   * default): a client certificate cannot be revoked, so a leaked kubeconfig stops working when
   * it expires, not in a year.
   */
  private async direct(env: { id: string; name: string; state: string }, ttlSeconds: number): Promise<string> {
    const secrets = await this.pki.load(env.id);
    const apiserverHostIds = (await this.desired.listForEnvironment(env.id)).filter((c) => c.kind === 'kube-apiserver').map((c) => c.hostId);
    const hosts = (await this.hosts.listForEnvironment(env.id)).filter((h) => apiserverHostIds.includes(h.id));
    const server = hosts.find((h) => h.state === 'active') ?? hosts[0];
    if (!secrets || !server) throw new NotFoundException(`environment ${env.name} has no kube-apiserver yet (state ${env.state}); wait until it is provisioning its control plane`);
    const admin = await issueAdminCertificate(await CertificateIssuer.load(secrets.cas), new Date(), ttlSeconds / 86400);
    return buildKubeconfig({
      environmentName: env.name,
      user: 'admin',
      serverUrl: `https://${server.addresses[0]}:6443`,
      // during a CA rotation: every CA an apiserver's serving certificate may come from
      caPem: clusterTrust(secrets),
      clientCertPem: admin.certPem,
      clientKeyPem: admin.keyPem,
    });
  }

}

function parseTtl(ttl: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(ttl);
  const seconds = match ? Number(match[1]) * TTL_UNIT_SECONDS[match[2]] : NaN;
  if (!(seconds >= 60 && seconds <= 365 * 86400)) throw FieldValidationException.field('ttl', 'must be from 1m to 365d');
  return seconds;
}
