import { Body, Controller, Get, HttpCode, Param, Post, UnprocessableEntityException, ConflictException } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators';
import { EnvironmentsService } from '../environments/environments.service';
import { EventsService } from '../events/events.service';
import { JobsQueue } from '../queue/jobs-queue.service';
import { readEtcdSnapshot } from '../provisioning/etcd/read-etcd-snapshot';
import { SnapshotStore } from './snapshot-store.service';
import { restoreView, snapshotView } from './snapshot.view';
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
   * Restores a completed snapshot into a fresh etcd cluster on the environment's hosts: the
   * control plane stops, new etcd members start empty, the snapshot's keys are loaded, then the
   * control plane starts again (202: follow the Restoring condition or GET .../restores).
   */
  @Post('restore')
  @RequireScope('write')
  @HttpCode(202)
  async restore(@Param('env') name: string, @Body() body: RestoreSnapshotDto) {
    const env = await this.environments.get(name);
    if (env.state === 'deleting') throw new ConflictException(`environment ${env.name} is being deleted`);
    const snapshot = await this.store.get(env.id, body.snapshotId);
    if (snapshot.state !== 'completed') throw new UnprocessableEntityException(`snapshot ${snapshot.id} is ${snapshot.state}; only a completed snapshot can be restored`);
    let keys: number;
    try {
      keys = readEtcdSnapshot(await this.store.data(snapshot.id)).keys.length;
    } catch (err) {
      throw new UnprocessableEntityException(`snapshot ${snapshot.id} cannot be restored: ${(err as Error).message}`);
    }
    const restore = await this.store.createRestore(env.id, snapshot.id);
    await this.events.record({
      environmentId: env.id,
      type: 'Warning',
      reason: 'EtcdRestoreRequested',
      message: `restoring etcd snapshot ${snapshot.id} (revision ${snapshot.etcdRevision}, ${keys} keys, taken ${snapshot.createdAt.toISOString()}) into a fresh etcd cluster (generation ${restore.generation}); the control plane stops until it is loaded`,
    });
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
