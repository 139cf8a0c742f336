import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CORRAL_CONFIG } from '../../config/config.module';
import type { CorralConfig } from '../../config/corral-config';
import { Environment } from '../../environments/environment.entity';
import { EventsService } from '../../events/events.service';
import { HostsService } from '../../hosts/hosts.service';
import { DesiredStateService } from '../../components/desired-state.service';
import { SnapshotStore } from '../../snapshots/snapshot-store.service';
import type { EtcdSnapshot } from '../../snapshots/etcd-snapshot.entity';
import { EtcdMembershipService } from './etcd-membership.service';

const SNAPSHOT_STATES = ['active', 'degraded', 'upgrading'];

/**
 * Takes etcd snapshots through the v3 gateway (/v3/maintenance/snapshot) from a member on an
 * active host and streams them, sealed, into the snapshot store with their SHA-256: the pending manual ones, and a scheduled one
 * when the interval has passed; old scheduled ones are pruned to the configured number.
 */
@Injectable()
export class EtcdSnapshotService {
  private readonly logger = new Logger(EtcdSnapshotService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly hosts: HostsService,
    private readonly desired: DesiredStateService,
    private readonly store: SnapshotStore,
    private readonly membership: EtcdMembershipService,
    private readonly events: EventsService,
  ) {}

  /** Whether a scheduled snapshot of the environment is due (the first one an interval after creation). */
  async scheduledDue(env: Environment, now = new Date()): Promise<boolean> {
    if (!SNAPSHOT_STATES.includes(env.state)) return false;
    const last = (await this.store.lastScheduledAt(env.id)) ?? env.createdAt;
    return now.getTime() - last.getTime() >= this.config.etcdSnapshotIntervalMs;
  }

  /** Returns false when snapshots must wait (a restore runs, or no etcd member answers): try again later. */
  async run(environmentId: string): Promise<boolean> {
    const env = await this.dataSource.getRepository(Environment).findOneBy({ id: environmentId });
    const pending = env ? await this.store.pending(environmentId) : [];
    if (!env || env.state === 'deleting' || env.state === 'deleted') {
      for (const row of pending) await this.store.fail(row.id, 'environment deleted');
      return true;
    }
    let due = await this.scheduledDue(env);
    const restore = await this.store.activeRestore(env.id);
    if (restore) {
      // while a restore runs only its safety snapshot is taken: the restore touches nothing until that is done
      const safety = pending.filter((p) => p.id === restore.preRestoreSnapshotId);
      if (!safety.length) return pending.length === 0 && !due;
      pending.splice(0, pending.length, ...safety);
      due = false;
    }
    if (pending.length === 0 && !due) return true;

    const hosts = await this.hosts.listForEnvironment(env.id);
    const etcdHostIds = new Set((await this.desired.listForEnvironment(env.id)).filter((c) => c.kind === 'etcd').map((c) => c.hostId));
    const client = await this.membership.client(env.id, hosts.filter((h) => h.state === 'active' && etcdHostIds.has(h.id)).map((h) => h.addresses[0]));
    if (!client && restore) {
      // the cluster a restore replaces may be beyond reach (the usual reason to restore): the restore must not wait on it
      for (const row of pending) {
        await this.store.fail(row.id, 'no etcd member on an active host: nothing to snapshot before the restore');
        await this.events.record({ environmentId: env.id, type: 'Warning', reason: 'SnapshotFailed', message: `pre-restore etcd snapshot ${row.id} failed: no etcd member on an active host; the restore goes on without it` });
      }
      return true;
    }
    if (!client) {
      if (pending.length) this.logger.warn({ environmentId }, 'no etcd member on an active host to snapshot; trying again later');
      return false;
    }
    const rows: EtcdSnapshot[] = [...pending];
    if (due) rows.push(await this.store.createPending(env.id, 'scheduled'));
    for (const row of rows) {
      try {
        // read before the snapshot: a lower bound of its revision (a restore must reach at least this) and its key count
        const [{ revision }, keyCount] = await Promise.all([client.status(), client.countKeys()]);
        const { stream, endpoint } = await client.snapshotStream();
        const saved = await this.store.complete(row.id, { data: stream, etcdRevision: revision, etcdMember: endpoint, keyCount });
        await this.events.record({
          environmentId: env.id,
          reason: 'SnapshotTaken',
          message: `${row.trigger} etcd snapshot ${row.id}: ${saved.sizeBytes} bytes, revision ${revision}, ${keyCount} keys, sha256 ${saved.sha256} (from ${endpoint}), sealed in ${this.store.description}`,
        });
      } catch (err) {
        await this.store.fail(row.id, (err as Error).message);
        await this.events.record({ environmentId: env.id, type: 'Warning', reason: 'SnapshotFailed', message: `${row.trigger} etcd snapshot ${row.id} failed: ${(err as Error).message}` });
      }
    }
    if (due) {
      const pruned = await this.store.pruneScheduled(env.id, this.config.etcdSnapshotKeep);
      if (pruned) this.logger.log({ environmentId, pruned }, `pruned ${pruned} scheduled snapshot(s) beyond the newest ${this.config.etcdSnapshotKeep}`);
    }
    return true;
  }
}
