import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { CORRAL_QUEUE, JobName, JobPayloads } from '../queue/jobs';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { HostsService } from '../hosts/hosts.service';
import { EnvironmentTeardownService } from './environment-teardown.service';
import { EnvironmentsService } from '../environments/environments.service';
import { EnvironmentExpiryService } from '../environments/environment-expiry.service';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { JobsQueue } from '../queue/jobs-queue.service';
import { EtcdSnapshotService } from '../provisioning/etcd/etcd-snapshot.service';
import { MonitoringService } from '../monitoring/monitoring.service';
import { IngressScaleService } from '../provisioning/ingress-scale.service';
import { RetentionService } from './retention.service';

const RESYNC_MS = 1000;

/** Thin dispatcher: each job names a service call; retries and backoff come from the queue. */
// a crashed worker's job is picked up again after lockDuration, not BullMQ's default 30 s
@Processor(CORRAL_QUEUE, { concurrency: 4, lockDuration: 10_000, stalledInterval: 5_000 })
export class CorralProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CorralProcessor.name);

  constructor(
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly hosts: HostsService,
    private readonly environments: EnvironmentsService,
    private readonly provisioning: ProvisioningService,
    private readonly teardown: EnvironmentTeardownService,
    private readonly jobs: JobsQueue,
    private readonly snapshots: EtcdSnapshotService,
    private readonly monitoring: MonitoringService,
    private readonly ingressScale: IngressScaleService,
    private readonly retention: RetentionService,
    private readonly expiry: EnvironmentExpiryService,
  ) {
    super();
  }

  /** At worker start: environments whose expiry passed while no worker ran are deleted, the others get their expire job back. */
  async onApplicationBootstrap(): Promise<void> {
    await this.expiry.sweep({ rescheduleFuture: true });
  }

  /** Lets running jobs finish while the connections they use are still open (those close at application shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }

  async process(job: Job, token?: string): Promise<void> {
    const requestsBefore = await this.jobs.requests(job.id!);
    await this.run(job, token);
    // asked for again while running (that request was coalesced into this job): run once more
    if ((await this.jobs.requests(job.id!)) !== requestsBefore) await this.again(job, token, 0);
  }

  private async run(job: Job, token?: string): Promise<void> {
    const name = job.name as JobName;
    switch (name) {
      case 'reconcile':
        // reports arriving while this job runs coalesce into it (same job id), so look again until settled
        if (!(await this.provisioning.reconcile((job.data as JobPayloads['reconcile']).environmentId))) return this.again(job, token, RESYNC_MS);
        return;
      case 'delete':
        if ((await this.teardown.teardown((job.data as JobPayloads['delete']).environmentId)) === 'waiting-for-agents') return this.again(job, token, 500);
        return;
      case 'expire':
        return this.expire(job, token);
      case 'host-sweep':
        await this.hosts.sweep(new Date(), { disconnectedAfterMs: this.config.hostDisconnectedAfterMs, lostAfterMs: this.config.hostLostAfterMs });
        return;
      case 'etcd-snapshot':
        if (!(await this.snapshots.run((job.data as JobPayloads['etcd-snapshot']).environmentId))) return this.again(job, token, 5000);
        return;
      case 'monitor-tick':
        await this.monitoring.tick();
        return;
      case 'ingress-scale-check':
        await this.ingressScale.checkAll();
        return;
      case 'retention':
        await this.retention.prune();
        return;
      case 'expiry-sweep':
        await this.expiry.sweep({ rescheduleFuture: false });
        return;
      default:
        this.logger.warn(`unknown job ${job.name} dropped`);
    }
  }

  /** Runs this same job again later; the id stays taken meanwhile, so new requests coalesce into it. */
  private async again(job: Job, token: string | undefined, delayMs: number): Promise<never> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  /** Worker-level trouble (a lock it could not renew, a lost Redis connection): jobs are level-based and run again. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`queue worker: ${error.message} (the job runs again; it is safe to repeat)`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.warn({ job: job?.name, jobId: job?.id, attempt: job?.attemptsMade }, `job failed, will retry with backoff: ${error.message}`);
  }

  /** Deletes an expired environment; an extended one waits again until its new expiry. */
  private async expire(job: Job, token?: string): Promise<void> {
    const { environmentId } = job.data as JobPayloads['expire'];
    const env = await this.environments.get(environmentId).catch(() => null);
    if (!env || !env.expiresAt || env.state === 'deleting') return;
    if (env.expiresAt.getTime() > Date.now()) {
      await job.moveToDelayed(env.expiresAt.getTime(), token);
      throw new DelayedError();
    }
    await this.environments.requestDeletion(environmentId, 'Expired');
  }
}
