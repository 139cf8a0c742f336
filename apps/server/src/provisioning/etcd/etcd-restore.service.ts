import { Injectable, Logger } from '@nestjs/common';
import type { ComponentKind, ComponentSpec } from '@corral/contracts';
import { type PlacementPlan, type Placement, setCondition } from '@corral/domain';
import { buildHostComponents, specHash } from '@corral/kube';
import type { Environment } from '../../environments/environment.entity';
import type { Host } from '../../hosts/host.entity';
import type { Component } from '../../components/component.entity';
import type { ComponentStatus } from '../../components/component-status.entity';
import { DesiredStateService } from '../../components/desired-state.service';
import { EventsService } from '../../events/events.service';
import { SnapshotStore } from '../../snapshots/snapshot-store.service';
import type { EtcdRestore } from '../../snapshots/etcd-restore.entity';
import { EnvironmentPkiService } from '../environment-pki.service';
import { EnvironmentStatusService } from '../environment-status.service';
import { EtcdClient } from './etcd-client';
import { ETCD_CLIENT_PORT } from './etcd-membership.service';
import { type EtcdJoin, readEtcdJoin } from './etcd-join';
import { readEtcdSnapshot } from './read-etcd-snapshot';

const WORKER_KINDS = ['kubelet', 'kube-proxy'];
const LOAD_TIMEOUT_MS = 10_000;

export interface RestoreContext {
  env: Environment;
  restore: EtcdRestore;
  hosts: Host[];
  components: Component[];
  statuses: ComponentStatus[];
  /** plans from a placement (used without etcd members: it chooses a new cluster's hosts) */
  replan(current: Placement[]): PlacementPlan;
}

/** The cluster token of restore generation g: a restored cluster never mixes with an older one. */
export const restoredClusterToken = (environmentId: string, generation: number) => `corral-${environmentId}-g${generation}`;

/**
 * Restores a snapshot into a fresh etcd cluster on the environment's hosts, level-based:
 *
 * 1. starting-etcd: the control plane and ingress stop (nothing may write to the new cluster
 *    before the data is in), and new etcd members start with a new cluster token and data
 *    directory (initial-cluster-state=new) on the hosts the planner picks for a new cluster;
 *    kubelet and kube-proxy keep running.
 * 2. once every new member reports healthy: the snapshot's keys are written through the v3
 *    gateway (idempotent puts, so a crash half-way just writes them again), the restore is
 *    completed, and the next reconcile places the control plane again.
 *
 * Keys with an etcd lease (Kubernetes events, for instance) are not restored: their leases do
 * not exist in the new cluster. Revisions start again from the new cluster's.
 */
@Injectable()
export class EtcdRestoreService {
  private readonly logger = new Logger(EtcdRestoreService.name);

  constructor(
    private readonly store: SnapshotStore,
    private readonly desired: DesiredStateService,
    private readonly pki: EnvironmentPkiService,
    private readonly status: EnvironmentStatusService,
    private readonly events: EventsService,
  ) {}

  /** Returns true when the restore completed in this step (the caller reconciles normally next). */
  async step(ctx: RestoreContext): Promise<boolean> {
    const { env, restore, hosts, components } = ctx;
    const token = restoredClusterToken(env.id, restore.generation);
    const hostById = new Map(hosts.map((h) => [h.id, h]));
    const written = components.filter((c) => c.kind === 'etcd').map((c) => ({ c, join: readEtcdJoin(c.spec, hostById.get(c.hostId)?.addresses[0] ?? '') }));
    let members = written.filter((w) => w.join?.clusterToken === token).map((w) => hostById.get(w.c.hostId)!).filter(Boolean);
    if (members.length === 0) {
      const plan = ctx.replan(components.filter((c) => c.kind !== 'etcd').map((c) => ({ hostId: c.hostId, kind: c.kind as ComponentKind })));
      if (plan.etcd.action !== 'bootstrap') {
        await this.writeStatus(env, 'WaitingForHosts', `cannot start a fresh etcd cluster: ${plan.etcd.message}`);
        return false;
      }
      members = plan.etcd.hostIds.map((id) => hostById.get(id)!);
    }
    const join: EtcdJoin = {
      members: members.map((h) => ({ name: h.hostname, address: h.addresses[0] })),
      initialClusterState: 'new',
      clusterToken: token,
      dataDir: `\${dataDir}/restore-${restore.generation}`,
    };

    // worker components keep their specs; etcd members start fresh; the rest stops
    const memberIds = new Set(members.map((h) => h.id));
    const keptKinds = (hostId: string) => components.filter((c) => c.hostId === hostId && WORKER_KINDS.includes(c.kind)).map((c) => c.kind as ComponentKind);
    const { secrets } = await this.pki.reconcile(
      env,
      hosts
        .filter((h) => memberIds.has(h.id) || keptKinds(h.id).length)
        .map((h) => ({ hostId: h.id, hostname: h.hostname, address: h.addresses[0], kinds: [...(memberIds.has(h.id) ? (['etcd'] as ComponentKind[]) : []), ...keptKinds(h.id)] })),
      components.filter((c) => c.kind === 'kube-apiserver').map((c) => hostById.get(c.hostId)?.addresses[0]).filter((a): a is string => !!a),
    );
    const writes: Array<{ hostId: string; specs: ComponentSpec[] }> = [];
    for (const host of hosts) {
      const specs = components.filter((c) => c.hostId === host.id && WORKER_KINDS.includes(c.kind)).map((c) => c.spec);
      if (memberIds.has(host.id)) {
        const [etcd] = buildHostComponents({
          environment: { id: env.id, name: env.name, kubernetesVersion: env.kubernetesVersion, networking: env.networking },
          host: { id: host.id, hostname: host.hostname, address: host.addresses[0] },
          kinds: ['etcd'],
          etcd: join,
          apiServerEndpoints: [],
          cas: secrets.cas,
          pki: secrets.hosts[host.id],
        });
        specs.unshift(etcd);
      }
      writes.push({ hostId: host.id, specs });
    }
    // one transaction: the fresh cluster's members are written together or not at all
    const changes = await this.desired.setEnvironmentComponents(env.id, writes);
    for (const [hostId, change] of changes) {
      if (change.added.length + change.changed.length + change.removed.length) this.logger.log({ environmentId: env.id, hostId, ...change }, 'restore: desired state written');
    }
    const etcdSpecs = new Map(writes.filter((w) => memberIds.has(w.hostId)).map((w) => [w.hostId, specHash(w.specs[0])]));

    const statusOf = new Map(ctx.statuses.map((s) => [`${s.hostId}/${s.name}`, s]));
    const notReady = members.filter((h) => {
      const s = statusOf.get(`${h.id}/etcd`);
      return !(s && s.healthy && s.phase === 'running' && s.specHash === etcdSpecs.get(h.id));
    });
    if (notReady.length) {
      await this.writeStatus(env, 'StartingEtcd', `restoring snapshot ${restore.snapshotId}: waiting for the fresh etcd member(s) on ${notReady.map((h) => h.hostname).join(', ')}`);
      return false;
    }

    await this.store.setRestorePhase(restore.id, 'loading', 'loading the snapshot into the fresh cluster');
    if (!restore.snapshotId) {
      await this.store.setRestorePhase(restore.id, 'failed', 'the snapshot was deleted before it could be loaded');
      await this.events.record({ environmentId: env.id, type: 'Warning', reason: 'EtcdRestoreFailed', message: `restore generation ${restore.generation}: its snapshot was deleted; etcd stays empty` });
      return true;
    }
    const contents = readEtcdSnapshot(await this.store.data(restore.snapshotId));
    const keys = contents.keys.filter((k) => k.lease === '0');
    const client = new EtcdClient(members.map((h) => `https://${h.addresses[0]}:${ETCD_CLIENT_PORT}`), (await this.pki.etcdTls(env.id))!, LOAD_TIMEOUT_MS);
    await client.putAll(keys.map((k) => ({ key: k.key, value: k.value })));
    const message = `restored snapshot ${restore.snapshotId} (revision ${contents.revision}): ${keys.length} keys into a fresh ${members.length}-member etcd cluster${contents.keys.length > keys.length ? `; ${contents.keys.length - keys.length} leased keys skipped` : ''}`;
    await this.store.setRestorePhase(restore.id, 'completed', message, keys.length);
    await this.events.record({ environmentId: env.id, reason: 'EtcdRestored', message: `${message}; starting the control plane again` });
    await this.status.write(env, {
      state: env.state,
      conditions: setCondition(env.conditions, { type: 'Restoring', status: 'False', reason: 'Restored', message }, new Date()),
      message,
    });
    return true;
  }

  private async writeStatus(env: Environment, reason: string, message: string): Promise<void> {
    const conditions = setCondition(env.conditions, { type: 'Restoring', status: 'True', reason, message }, new Date());
    await this.status.write(env, { state: env.state === 'active' ? 'degraded' : env.state, conditions, message });
  }
}
