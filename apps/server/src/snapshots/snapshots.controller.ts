import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Res, UnprocessableEntityException, ConflictException } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import type { Response } from 'express';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators';
import { EnvironmentsService } from '../environments/environments.service';
import { EventsService } from '../events/events.service';
import { JobsQueue } from '../queue/jobs-queue.service';
import { SnapshotStore } from './snapshot-store.service';
import { restoreView, snapshotView } from './snapshot.view';
import { sendSnapshotData } from './send-snapshot-data';
import { RestoreSnapshotDto } from './dto/restore-snapshot.dto';

@ApiTags('snapshots')
@ApiBearerAuth()
@Controller('v1/environments/:env')
export class SnapshotsController {
  constructor(
    private readonly environments: EnvironmentsService,
    private readonly store: SnapshotStore,
    private readonly events: EventsService,
    private readonly jobs: JobsQueue,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  /** Takes an etcd snapshot now (202: poll GET .../snapshots/{id} until state is completed or failed). */
  @Post('snapshots')
  @RequireScope('write')
  @HttpCode(202)
  async create(@Param('env') name: string) {
    const env = await this.environments.get(name);
    if (env.state === 'deleting') throw new ConflictException(`environment ${env.name} is being deleted`);
    const snapshot = await this.store.createPending(env.id, 'manual');
    await this.events.record({ environmentId: env.id, reason: 'SnapshotRequested', message: `etcd snapshot ${snapshot.id} requested` });
    await this.jobs.enqueue('etcd-snapshot', { environmentId: env.id });
    return snapshotView(snapshot);
  }

  /** Snapshots of the environment, newest first (scheduled and manual). */
  @Get('snapshots')
  @RequireScope('read')
  async list(@Param('env') name: string) {
    const env = await this.environments.get(name);
    return { items: (await this.store.list(env.id)).map(snapshotView) };
  }

  @Get('snapshots/:id')
  @RequireScope('read')
  async get(@Param('env') name: string, @Param('id') id: string) {
    const env = await this.environments.get(name);
    return snapshotView(await this.store.get(env.id, id));
  }

  /**
   * The snapshot's etcd database (the bare bolt file: etcd's own trailing checksum was checked
   * and cut when it was taken, so restore it with `etcdutl snapshot restore --skip-hash-check`),
   * verified against its SHA-256 before it is sent. It holds every Secret of the cluster, hence
   * the write scope (as for the kubeconfig).
   */
  @Get('snapshots/:id/data')
  @RequireScope('write')
  async download(@Param('env') name: string, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const env = await this.environments.get(name);
    const snapshot = await this.store.get(env.id, id);
    if (snapshot.state !== 'completed') throw new ConflictException(`snapshot ${snapshot.id} is ${snapshot.state}; only a completed snapshot has data`);
    const data = await this.store.data(snapshot.id);
    await sendSnapshotData(res, snapshot, data, `${env.name}-etcd-${snapshot.etcdRevision}-${snapshot.id.slice(0, 8)}.db`);
  }

  /** Deletes a snapshot (scheduled or manual); not one being taken or being restored. */
  @Delete('snapshots/:id')
  @RequireScope('write')
  @HttpCode(204)
  async remove(@Param('env') name: string, @Param('id') id: string): Promise<void> {
    const env = await this.environments.get(name);
    const snapshot = await this.store.get(env.id, id);
    await this.store.delete(snapshot);
    await this.events.record({ environmentId: env.id, reason: 'SnapshotDeleted', message: `etcd snapshot ${snapshot.id} (${snapshot.trigger}, ${snapshot.state}) deleted` });
  }

  /**
   * Restores a completed snapshot (the environment's own, or one kept of a deleted environment,
   * see GET /v1/deleted-environments) into a fresh etcd cluster on the environment's hosts: the
   * control plane stops, new etcd members start empty, the snapshot's keys are loaded, then the
   * control plane starts again (202: follow the Restoring condition or GET .../restores).
   */
  @Post('restore')
  @RequireScope('write')
  @HttpCode(202)
  async restore(@Param('env') name: string, @Body() body: RestoreSnapshotDto) {
    const env = await this.environments.get(name);
    if (env.state === 'deleting') throw new ConflictException(`environment ${env.name} is being deleted`);
    const snapshot = await this.store.getRestorable(env.id, body.snapshotId);
    if (snapshot.state !== 'completed') throw new UnprocessableEntityException(`snapshot ${snapshot.id} is ${snapshot.state}; only a completed snapshot can be restored`);
    await this.store.checkRestorable(snapshot);
    const restore = await this.store.createRestore(env.id, snapshot.id, new Date(Date.now() + this.config.restoreTimeoutMs));
    await this.events.record({
      environmentId: env.id,
      type: 'Warning',
      reason: 'EtcdRestoreRequested',
      message: `restoring etcd snapshot ${snapshot.id} (revision ${snapshot.etcdRevision}, ${snapshot.keyCount ?? 'unknown number of'} keys, taken ${snapshot.createdAt.toISOString()}) into a fresh etcd cluster (generation ${restore.generation}) after snapshot ${restore.preRestoreSnapshotId} of the current one; the control plane stops until it is loaded`,
    });
    await this.jobs.enqueue('etcd-snapshot', { environmentId: env.id });
    await this.jobs.enqueue('reconcile', { environmentId: env.id });
    return restoreView(restore);
  }

  /**
   * Cancels an active restore (202): its next step ends it as 'cancelled'. Before the fresh
   * cluster's members are written, the current cluster stays as it was; after, the environment
   * carries on with the fresh cluster (restore the pre-restore snapshot to go back).
   */
  @Post('restores/:id/cancel')
  @RequireScope('write')
  @HttpCode(202)
  async cancelRestore(@Param('env') name: string, @Param('id') id: string) {
    const env = await this.environments.get(name);
    const restore = await this.store.requestRestoreCancel(env.id, id);
    await this.events.record({ environmentId: env.id, type: 'Warning', reason: 'EtcdRestoreCancelRequested', message: `cancel of restore generation ${restore.generation} requested` });
    await this.jobs.enqueue('reconcile', { environmentId: env.id });
    return restoreView(restore);
  }

  @Get('restores')
  @RequireScope('read')
  async restores(@Param('env') name: string) {
    const env = await this.environments.get(name);
    return { items: (await this.store.listRestores(env.id)).map(restoreView) };
  }
}
