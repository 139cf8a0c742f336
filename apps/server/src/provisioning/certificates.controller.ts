import { ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { X509Certificate } from 'node:crypto';
import { listCaCertificates, listHostCertificates } from '@corral/kube';
import { RequireScope } from '../auth/auth.decorators';
import { EnvironmentsService } from '../environments/environments.service';
import { HostsService } from '../hosts/hosts.service';
import { EventsService } from '../events/events.service';
import { JobsQueue } from '../queue/jobs-queue.service';
import { withAdvisoryLock } from '../persistence/advisory-lock';
import { EnvironmentPkiService } from './environment-pki.service';

@ApiTags('environments')
@ApiBearerAuth()
@Controller('v1/environments/:env')
export class CertificatesController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly environments: EnvironmentsService,
    private readonly hosts: HostsService,
    private readonly pki: EnvironmentPkiService,
    private readonly events: EventsService,
    private readonly jobs: JobsQueue,
  ) {}

  /** Every certificate of the environment with its expiry, soonest first (no keys). */
  @Get('certificates')
  @RequireScope('read')
  async list(@Param('env') name: string) {
    const env = await this.environments.get(name);
    const secrets = await this.pki.load(env.id);
    if (!secrets) throw new NotFoundException(`environment ${env.name} has no certificates yet`);
    const hostnames = new Map((await this.hosts.listForEnvironment(env.id)).map((h) => [h.id, h.hostname]));
    const serial = (pem: string) => new X509Certificate(pem).serialNumber;
    const items = [
      ...listCaCertificates(secrets.cas).map((c) => ({ name: c.name, host: null, notAfter: c.certificate.notAfter, serialNumber: serial(c.certificate.certPem) })),
      ...Object.entries(secrets.hosts).flatMap(([hostId, pki]) =>
        listHostCertificates(pki).map((c) => ({ name: c.name, host: hostnames.get(hostId) ?? hostId, notAfter: c.certificate.notAfter, serialNumber: serial(c.certificate.certPem) })),
      ),
      { name: 'admin', host: null, notAfter: secrets.admin.notAfter, serialNumber: serial(secrets.admin.certPem) },
      ...(secrets.etcdClient ? [{ name: 'corral-server/etcd-client', host: null, notAfter: secrets.etcdClient.notAfter, serialNumber: serial(secrets.etcdClient.certPem) }] : []),
    ].sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter));
    return { certificatesExpireAt: env.certificatesExpireAt, items };
  }

  /**
   * Re-issues every leaf certificate (the CAs stay, so nothing loses trust) and rolls the
   * components onto them one at a time: a healthy component is restarted only after the
   * previous one is healthy again on its new certificates. The admin kubeconfig changes too.
   */
  @Post('rotate-certificates')
  @RequireScope('write')
  @HttpCode(202)
  async rotate(@Param('env') name: string) {
    const env = await this.environments.get(name);
    if (env.state === 'deleting') throw new ConflictException(`environment ${env.name} is being deleted`);
    // under the reconcile's lock: a reconcile running now must not write the old leaves back
    const dropped = await withAdvisoryLock(this.dataSource, `environment-${env.id}`, () => this.pki.dropLeafCertificates(env.id));
    if (!dropped) throw new ConflictException(`environment ${env.name} has no certificates yet`);
    await this.events.record({
      environmentId: env.id,
      type: 'Warning',
      reason: 'CertificateRotationStarted',
      message: `re-issuing ${dropped} leaf certificate(s); components restart one at a time onto them; download the kubeconfig again afterwards`,
    });
    await this.jobs.enqueue('reconcile', { environmentId: env.id });
    return { environment: env.name, rotating: dropped };
  }
}
