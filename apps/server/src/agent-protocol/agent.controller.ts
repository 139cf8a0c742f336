import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { DesiredState, RegisterResponse } from '@corral/contracts';
import { Public } from '../auth/auth.decorators';
import { HostAuth, HostRequest } from '../hosts/host-credential.guard';
import { HostsService } from '../hosts/hosts.service';
import { HostRegistrationService } from '../hosts/host-registration.service';
import { DesiredStateService } from '../components/desired-state.service';
import { DesiredStateNotifier } from '../components/desired-state-notifier';
import { StatusIngestionService } from '../components/status-ingestion.service';
import { RegisterHostDto } from './dto/register-host.dto';
import { StatusReportDto } from './dto/status-report.dto';
import { DesiredQuery } from './dto/desired.query';
import { JobsQueue } from '../queue/jobs-queue.service';
import { SnapshotStore } from '../snapshots/snapshot-store.service';
import { sendSnapshotData } from '../snapshots/send-snapshot-data';
import { HostImagesService } from '../images/host-images.service';
import { ConnectionCaps } from '../fair-use/connection-caps.service';

@ApiTags('agent')
@Controller('v1/agent')
export class AgentController {
  constructor(
    private readonly hosts: HostsService,
    private readonly registration: HostRegistrationService,
    private readonly desired: DesiredStateService,
    private readonly notifier: DesiredStateNotifier,
    private readonly statuses: StatusIngestionService,
    private readonly jobs: JobsQueue,
    private readonly snapshots: SnapshotStore,
    private readonly hostImages: HostImagesService,
    private readonly caps: ConnectionCaps,
  ) {}

  /**
   * An etcd snapshot of the host's own environment, for a restored member's init step
   * (`etcdutl snapshot restore`); checked against its SHA-256 before it is sent.
   */
  @Get('etcd-snapshots/:id/data')
  @HostAuth()
  @ApiBearerAuth()
  async etcdSnapshot(@Param('id') id: string, @Req() req: HostRequest, @Res() res: Response): Promise<void> {
    const host = req.corralHost!;
    const snapshot = await this.snapshots.find(id);
    // another environment's snapshot is answered as if it did not exist
    // its own environment's, or one a restore of its environment uses (a deleted environment's)
    const mayRead = !!snapshot && !!host.environmentId && (snapshot.environmentId === host.environmentId || (await this.snapshots.restoreUses(host.environmentId, snapshot.id)));
    if (!snapshot || snapshot.state !== 'completed' || !mayRead) {
      throw new NotFoundException(`snapshot ${id} not found for this host's environment`);
    }
    await sendSnapshotData(res, snapshot, await this.snapshots.data(snapshot.id), `etcd-${snapshot.etcdRevision}-${snapshot.id.slice(0, 8)}.db`);
  }

  /** Registers a host with a registration token; the credential is shown only here (409: hostname held; 403: role not allowed by the token). */
  @Post('register')
  @Public()
  register(@Body() body: RegisterHostDto): Promise<RegisterResponse> {
    return this.registration.register(body);
  }

  /** Long-poll: answers at once when the host's revision is newer than `after`, else on change, else on timeout. */
  @Get('desired')
  @HostAuth()
  @ApiBearerAuth()
  async desiredState(@Query() query: DesiredQuery, @Req() req: HostRequest, @Res({ passthrough: true }) res: Response): Promise<DesiredState> {
    const hostId = req.corralHost!.id;
    const after = query.after ?? 0;
    const deadline = Date.now() + (query.wait ?? 0) * 1000;
    const aborted = new AbortController();
    res.on('close', () => aborted.abort());
    let state = await this.desired.forHost(hostId);
    if (state.revision > after || Date.now() >= deadline) return state;
    const held = await this.caps.hold({ kind: 'host', id: hostId }, 'long-poll', aborted.signal);
    while (state.revision <= after && Date.now() < deadline && !held.aborted) {
      await this.notifier.waitForChange(hostId, deadline - Date.now(), held);
      state = await this.desired.forHost(hostId);
    }
    aborted.abort();
    return state;
  }

  /** A full snapshot of the host's components, doubling as its heartbeat. */
  @Put('status')
  @HostAuth()
  @ApiBearerAuth()
  @HttpCode(204)
  async status(@Body() body: StatusReportDto, @Req() req: HostRequest): Promise<void> {
    const host = req.corralHost!;
    // the sign of life first: however long ingestion takes, the host is not taken for silent
    await this.hosts.heartbeat(host, body.agentVersion, body.observedRevision);
    const changed = await this.statuses.ingest(host, body);
    if (body.images) await this.hostImages.ingest(host, body.images);
    if (changed && host.environmentId) await this.jobs.enqueue('reconcile', { environmentId: host.environmentId });
  }
}
