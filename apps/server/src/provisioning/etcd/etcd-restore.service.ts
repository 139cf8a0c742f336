import { Inject, Injectable, Logger } from '@nestjs/common';
import { setCondition } from '@corral/domain';
import type { Environment } from '../../environments/environment.entity';
import { DesiredStateService } from '../../components/desired-state.service';
import { EventsService } from '../../events/events.service';
import { SnapshotStore } from '../../snapshots/snapshot-store.service';
import type { EtcdRestore } from '../../snapshots/etcd-restore.entity';
import type { EtcdSnapshot } from '../../snapshots/etcd-snapshot.entity';
import { EnvironmentPkiService } from '../environment-pki.service';
import { EnvironmentStatusService } from '../environment-status.service';
import { EtcdClient } from '@corral/kube';
import { ETCD_CLIENT_PORT } from './etcd-membership.service';
import type { EtcdJoin } from './etcd-join';
import { CORRAL_CONFIG } from '../../config/config.module';
import type { CorralConfig } from '../../config/corral-config';
import { catalogOptions } from '../catalog-options';
import type { Replan } from '../phases/placement.phase';
import { hostAddress, type ReconcileHost, type ReconcileView } from '../phases/reconcile-view';
import { foundingMembers, membersNotReady, restoredMembers, restorePkiNeeds, restoreWrites } from '../phases/restore.phase';

const STATUS_TIMEOUT_MS = 10_000;

export interface RestoreContext {
  env: Environment;
  restore: EtcdRestore;
  view: ReconcileView;
  /** plans from a placement (used without etcd members: it chooses a new cluster's hosts) */
  replan: Replan;
}

/** The cluster token of restore generation g: a restored cluster never mixes with an older one. */
export const restoredClusterToken = (environmentId: string, generation: number) => `corral-${environmentId}-g${generation}`;

/**
 * Restores a snapshot into a fresh etcd cluster on the environment's hosts, level-based, the way
 * etcd's disaster-recovery guide (and RKE) do it:
 *
 * 0. a snapshot of the current cluster is taken first ('pre-restore'; skipped when it cannot
 *    be taken); a cancel request or the deadline (CORRAL_RESTORE_TIMEOUT) ends the restore at
 *    any step, with the Restoring condition saying why and what was already replaced.
 * 1. starting-etcd: the control plane and ingress stop (nothing may write before the data is
 *    back); on the hosts the planner picks for a new cluster, each founding member's spec gets
 *    an init step that downloads the snapshot (checked against its SHA-256) and runs
 *    `etcdutl snapshot restore` into a new data directory with a new cluster token, so a
 *    restored cluster never mixes with an older one; kubelet and kube-proxy keep running.
 * 2. once every new member reports healthy on that spec, the restore is complete (keys,
 *    revisions and leases are as they were in the snapshot) and the next reconcile places the
 *    control plane again.
 */
@Injectable()
export class EtcdRestoreService {
  private readonly logger = new Logger(EtcdRestoreService.name);

  constructor(
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly store: SnapshotStore,
    private readonly desired: DesiredStateService,
    private readonly pki: EnvironmentPkiService,
    private readonly status: EnvironmentStatusService,
    private readonly events: EventsService,
  ) {}

  /** Returns true when the restore completed in this step (the caller reconciles normally next). */
  async step(ctx: RestoreContext, now = new Date()): Promise<boolean> {
    const { env, restore, view } = ctx;
    const token = restoredClusterToken(env.id, restore.generation);
    const freshWritten = restoredMembers(view, token).length > 0;
    if (await this.endedEarly(env, restore, freshWritten, now)) return true;
    if (!freshWritten && (await this.takingSafetySnapshot(env, restore))) return false;
    const founding = foundingMembers(view, token, ctx.replan);
    if ('waiting' in founding) {
      await this.writeStatus(env, 'WaitingForHosts', founding.waiting);
      return false;
    }
    const { members } = founding;
    const snapshot = restore.snapshotId ? await this.store.find(restore.snapshotId) : null;
    if (!snapshot?.sha256 || snapshot.state !== 'completed') {
      return this.fail(env, restore, `restore generation ${restore.generation}: its snapshot ${restore.snapshotId ?? ''} is gone; take a new snapshot and restore that`);
    }
    const join: EtcdJoin = {
      members: members.map((h) => ({ name: h.hostname, address: hostAddress(h) })),
      initialClusterState: 'new',
      clusterToken: token,
      dataDir: `\${dataDir}/restore-${restore.generation}`,
      restoreFrom: { snapshotId: snapshot.id, sha256: snapshot.sha256 },
    };
    const memberIds = new Set(members.map((h) => h.id));
    const { needs, controlPlaneAddresses } = restorePkiNeeds(view, memberIds);
    const { secrets } = await this.pki.reconcile(env, needs, controlPlaneAddresses);
    const writes = restoreWrites(env, view, memberIds, join, { secrets, options: catalogOptions(this.config) });
    // one transaction: the fresh cluster's members are written together or not at all
    const changes = await this.desired.setEnvironmentComponents(env.id, writes);
    for (const [hostId, change] of changes) {
      if (change.added.length + change.changed.length + change.removed.length) this.logger.log({ environmentId: env.id, hostId, ...change }, 'restore: desired state written');
    }
    const notReady = membersNotReady(view, members, writes);
    if (notReady.length) {
      await this.writeStatus(env, 'StartingEtcd', `restoring snapshot ${restore.snapshotId}: waiting for the fresh etcd member(s) on ${notReady.map((h) => h.hostname).join(', ')}`);
      return false;
    }
    return this.complete(env, restore, snapshot, members);
  }

  /** The members restored the snapshot themselves; checks that etcd carries on from its revision. */
  private async complete(env: Environment, restore: EtcdRestore, snapshot: EtcdSnapshot, members: ReconcileHost[]): Promise<boolean> {
    const snapshotRevision = snapshot.etcdRevision ?? 0;
    const client = new EtcdClient(members.map((h) => `https://${hostAddress(h)}:${ETCD_CLIENT_PORT}`), (await this.pki.etcdTls(env.id))!, STATUS_TIMEOUT_MS);
    const { revision } = await client.status();
    if (revision < snapshotRevision) {
      return this.fail(env, restore, `restore generation ${restore.generation}: the fresh cluster is at revision ${revision}, below the snapshot's ${snapshotRevision}; its members did not restore the snapshot`);
    }
    const keys = await client.countKeys();
    const message = `restored snapshot ${snapshot.id} into a fresh ${members.length}-member etcd cluster with etcdutl: ${keys} keys, revision ${revision} (snapshot revision ${snapshotRevision})`;
    await this.store.setRestorePhase(restore.id, 'completed', message, keys);
    await this.events.record({ environmentId: env.id, reason: 'EtcdRestored', message: `${message}; starting the control plane again` });
    await this.status.write(env, {
      state: env.state,
      conditions: setCondition(env.conditions, { type: 'Restoring', status: 'False', reason: 'Restored', message }, new Date()),
      message,
    });
    return true;
  }

  /**
   * Ends the restore when a cancel was asked for or its deadline has passed; says whether the
   * fresh cluster was already written (the environment then carries on with it).
   */
  private async endedEarly(env: Environment, restore: EtcdRestore, freshWritten: boolean, now: Date): Promise<boolean> {
    const timedOut = restore.deadlineAt !== null && now.getTime() > restore.deadlineAt.getTime();
    if (!restore.cancelRequestedAt && !timedOut) return false;
    const after = freshWritten
      ? `the fresh etcd cluster (generation ${restore.generation}) was already written: the environment carries on with it`
      : 'nothing was replaced: the current etcd cluster is as it was';
    const [phase, reason, message] = restore.cancelRequestedAt
      ? (['cancelled', 'RestoreCancelled', `restore generation ${restore.generation} cancelled; ${after}`] as const)
      : (['failed', 'RestoreTimedOut', `restore generation ${restore.generation} did not finish by its deadline ${restore.deadlineAt!.toISOString()} (CORRAL_RESTORE_TIMEOUT); ${after}${restore.preRestoreSnapshotId ? `; snapshot ${restore.preRestoreSnapshotId} holds the cluster as it was before` : ''}`] as const);
    await this.store.setRestorePhase(restore.id, phase, message);
    await this.events.record({ environmentId: env.id, type: 'Warning', reason: phase === 'cancelled' ? 'EtcdRestoreCancelled' : 'EtcdRestoreFailed', message });
    await this.status.write(env, { state: env.state, conditions: setCondition(env.conditions, { type: 'Restoring', status: 'False', reason, message }, now), message });
    return true;
  }

  /** True while the snapshot of the cluster about to be replaced is still being taken (nothing is touched until then). */
  private async takingSafetySnapshot(env: Environment, restore: EtcdRestore): Promise<boolean> {
    if (!restore.preRestoreSnapshotId) return false;
    const safety = await this.store.find(restore.preRestoreSnapshotId);
    if (safety?.state !== 'pending') return false;
    await this.writeStatus(env, 'TakingSafetySnapshot', `restore generation ${restore.generation}: taking snapshot ${safety.id} of the current etcd cluster before replacing it`);
    return true;
  }

  private async fail(env: Environment, restore: EtcdRestore, message: string): Promise<true> {
    await this.store.setRestorePhase(restore.id, 'failed', message);
    await this.events.record({ environmentId: env.id, type: 'Warning', reason: 'EtcdRestoreFailed', message });
    return true;
  }

  private async writeStatus(env: Environment, reason: string, message: string): Promise<void> {
    const conditions = setCondition(env.conditions, { type: 'Restoring', status: 'True', reason, message }, new Date());
    await this.status.write(env, { state: env.state === 'active' ? 'degraded' : env.state, conditions, message });
  }
}
