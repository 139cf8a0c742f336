import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../../auth/auth.decorators';
import type { AuthenticatedRequest } from '../../auth/authenticated-request';
import { EnvironmentsService } from '../../environments/environments.service';
import { JobsQueue } from '../../queue/jobs-queue.service';
import { CaRotationService } from './ca-rotation.service';
import { caRotationView } from './ca-rotation.view';
import { StartCaRotationDto } from './start-ca-rotation.dto';

@ApiTags('environments')
@ApiBearerAuth()
@Controller('v1/environments/:env/ca-rotation')
export class CaRotationController {
  constructor(
    private readonly environments: EnvironmentsService,
    private readonly rotations: CaRotationService,
    private readonly jobs: JobsQueue,
  ) {}

  /**
   * Starts a rotation of the cluster CA: trust-both (new CA trusted next to the old), reissue
   * (every certificate from the new CA), drop-old (the old CA trusted nowhere). Each phase ends
   * when every component runs healthy on it; components restart one at a time. 409 while a
   * rotation runs.
   */
  @Post()
  @RequireScope('write')
  @HttpCode(202)
  async start(@Param('env') name: string, @Body() _body: StartCaRotationDto, @Req() req: AuthenticatedRequest) {
    const env = await this.environments.get(name);
    const rotation = await this.rotations.start(env, `key ${req.principal!.name}`);
    await this.jobs.enqueue('reconcile', { environmentId: env.id });
    return caRotationView(env.name, rotation);
  }

  /** The rotation in progress, else the last one: phase, progress, how long each phase took. */
  @Get()
  @RequireScope('read')
  async get(@Param('env') name: string) {
    const env = await this.environments.get(name);
    const rotation = await this.rotations.latest(env.id);
    if (!rotation) throw new NotFoundException(`environment ${env.name} never rotated its CA`);
    return caRotationView(env.name, rotation);
  }

  /** Cancels a rotation in trust-both (409 later: certificates of the new CA exist by then). */
  @Delete()
  @RequireScope('write')
  async cancel(@Param('env') name: string) {
    const env = await this.environments.get(name);
    const rotation = await this.rotations.cancel(env);
    await this.jobs.enqueue('reconcile', { environmentId: env.id });
    return caRotationView(env.name, rotation);
  }
}
