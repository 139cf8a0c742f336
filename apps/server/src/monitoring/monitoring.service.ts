import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { Environment } from '../environments/environment.entity';
import { EventsService } from '../events/events.service';
import { JobsQueue } from '../queue/jobs-queue.service';
import { EtcdSnapshotService } from '../provisioning/etcd/etcd-snapshot.service';
import { DeletedEnvironmentsService } from '../snapshots/deleted-environments.service';
import { MONITOR_TICK_MS } from '../queue/repeatable-jobs';

/** Environments that look settled are reconciled again at least this often (a controller's resync). */
const SETTLED_RESYNC_MS = 5 * 60_000;
/** Certificates expiring sooner than this are reported (reconcile renews leaves 30 days ahead). */
const EXPIRY_WARNING_MS = 21 * 86400_000;
const LIVE_STATES = ['provisioning', 'active', 'degraded', 'upgrading'];
const MAX_PER_TICK = 5000;

/**
 * The server's periodic look at every environment, independent of events: a reconcile for
 * every environment that is not settled (and for settled ones every few minutes), so that
 * work whose job was lost (a Redis restart, a killed worker) is picked up again; scheduled
 * etcd snapshots when due; a warning event when certificates near their expiry.
 */
@Injectable()
export class MonitoringService {
  private readonly logger = new Logger(MonitoringService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly jobs: JobsQueue,
    private readonly snapshots: EtcdSnapshotService,
    private readonly events: EventsService,
    private readonly deleted: DeletedEnvironmentsService,
  ) {}

  async tick(now = new Date()): Promise<{ reconciles: number; snapshots: number }> {
    const envs = await this.dataSource.getRepository(Environment).find({ where: { state: In(LIVE_STATES) }, order: { createdAt: 'ASC' }, take: MAX_PER_TICK });
    const resyncAll = Math.floor(now.getTime() / MONITOR_TICK_MS) % Math.round(SETTLED_RESYNC_MS / MONITOR_TICK_MS) === 0;
    let reconciles = 0;
    let snapshots = 0;
    for (const env of envs) {
      if (env.state !== 'active' || resyncAll) {
        await this.jobs.enqueue('reconcile', { environmentId: env.id });
        reconciles++;
      }
      if (await this.snapshots.scheduledDue(env, now)) {
        await this.jobs.enqueue('etcd-snapshot', { environmentId: env.id });
        snapshots++;
      }
      await this.warnExpiry(env, now);
    }
    const purged = await this.deleted.purgeExpired(now);
    if (reconciles || snapshots || purged) this.logger.debug({ reconciles, snapshots, purged }, 'monitor tick');
    return { reconciles, snapshots };
  }

  /** One warning per environment and day while its soonest certificate is near expiry. */
  private async warnExpiry(env: Environment, now: Date): Promise<void> {
    const at = env.certificatesExpireAt;
    if (!at || at.getTime() - now.getTime() > EXPIRY_WARNING_MS) return;
    const [recent] = await this.dataSource.query(
      `SELECT 1 FROM events WHERE environment_id = $1 AND reason = 'CertificatesExpiring' AND created_at > $2 LIMIT 1`,
      [env.id, new Date(now.getTime() - 86400_000)],
    );
    if (recent) return;
    const days = Math.floor((at.getTime() - now.getTime()) / 86400_000);
    await this.events.record({
      environmentId: env.id,
      type: 'Warning',
      reason: 'CertificatesExpiring',
      message: `a certificate of ${env.name} ${days < 0 ? 'has expired' : `expires in ${days} day(s)`} (${at.toISOString()}); leaves renew 30 days ahead by themselves, CAs need POST /v1/environments/${env.name}/rotate-certificates or a new environment`,
    });
  }
}
