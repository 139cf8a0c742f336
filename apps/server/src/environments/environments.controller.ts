import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { WAIT_RESULT_HEADER } from '@corral/contracts';
import type { EnvironmentState } from '@corral/domain';
import { RequireScope } from '../auth/auth.decorators';
import { EnvironmentsService } from './environments.service';
import { CreateEnvironmentDto } from './dto/create-environment.dto';
import { UpdateEnvironmentDto } from './dto/update-environment.dto';
import { ListEnvironmentsQuery } from './dto/list-environments.query';
import { DEFAULT_WAIT_SECONDS, GetEnvironmentQuery } from './dto/get-environment.query';
import { ListEventsQuery } from './dto/list-events.query';
import { environmentView } from './environment.view';
import { EnvironmentWaiter } from './environment-waiter.service';
import { EventsService } from '../events/events.service';
import { EnvironmentEventStream, eventView } from '../events/environment-event-stream';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ConnectionCaps } from '../fair-use/connection-caps.service';
import type { AuthenticatedRequest } from '../auth/authenticated-request';

@ApiTags('environments')
@ApiBearerAuth()
@Controller('v1/environments')
export class EnvironmentsController {
  constructor(
    private readonly environments: EnvironmentsService,
    private readonly events: EventsService,
    private readonly waiter: EnvironmentWaiter,
    private readonly stream: EnvironmentEventStream,
    private readonly caps: ConnectionCaps,
  ) {}

  @Post()
  @RequireScope('write')
  @UseInterceptors(IdempotencyInterceptor)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'retries with the same key and body answer the first success (Idempotent-Replayed: true); another body: 422; while the first runs: 409. Kept CORRAL_IDEMPOTENCY_RETENTION (24h).' })
  async create(@Body() body: CreateEnvironmentDto) {
    return environmentView(await this.environments.create(body));
  }

  @Get()
  @RequireScope('read')
  @ApiOkResponse({
    description: 'a page of environments (`continue` fetches the next); each item also has `hostCount`, the hosts registered to it now',
    schema: {
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'object', properties: { hostCount: { type: 'integer', description: 'hosts in the environment now (not removed)' } }, additionalProperties: true } },
        continue: { type: 'string' },
      },
    },
  })
  async list(@Query() query: ListEnvironmentsQuery) {
    const page = await this.environments.list(query);
    const hostCounts = await this.environments.hostCounts(page.items.map((e) => e.id));
    const items = page.items.map((e) => ({ ...environmentView(e), hostCount: hostCounts.get(e.id) ?? 0 }));
    return { items, ...(page.continue ? { continue: page.continue } : {}) };
  }

  @Get(':env')
  @RequireScope('read')
  async get(@Param('env') env: string, @Query() query: GetEnvironmentQuery, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const environment = await this.environments.get(env);
    if (!query.waitFor) return environmentView(environment);
    const aborted = await this.caps.hold(req.principal!, 'wait', abortOnClose(res));
    const answer = await this.waiter.waitFor(environment, query.waitFor as EnvironmentState, (query.timeout ?? DEFAULT_WAIT_SECONDS) * 1000, aborted);
    res.setHeader(WAIT_RESULT_HEADER, answer.wait!.result);
    return answer;
  }

  @Patch(':env')
  @RequireScope('write')
  async update(@Param('env') env: string, @Body() body: UpdateEnvironmentDto) {
    return environmentView(await this.environments.update(env, body));
  }

  @Delete(':env')
  @RequireScope('write')
  @HttpCode(202)
  async remove(@Param('env') env: string) {
    return environmentView(await this.environments.requestDeletion(env));
  }

  /**
   * The environment's timeline: JSON (`{items}`), or with Accept: text/event-stream a live
   * Server-Sent Events stream resumable with Last-Event-ID (see EnvironmentEventStream).
   */
  @Get(':env/events')
  @RequireScope('read')
  @ApiProduces('application/json', 'text/event-stream')
  async listEvents(@Param('env') env: string, @Query() query: ListEventsQuery, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const environment = await this.environments.get(env);
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      const items = query.tail ? await this.events.lastForEnvironment(environment.id, query.tail) : await this.events.listForEnvironment(environment.id, query.after ?? '0', query.limit ?? 500);
      res.json({ items: items.map(eventView) });
      return;
    }
    const lastEventId = req.headers['last-event-id'];
    const held = await this.caps.hold(req.principal!, 'stream', abortOnClose(res));
    await this.stream.serve(res, {
      environmentId: environment.id,
      after: (typeof lastEventId === 'string' && /^\d{1,19}$/.test(lastEventId.trim()) ? lastEventId.trim() : query.after) ?? '0',
      snapshot: async () => {
        const fresh = await this.environments.get(environment.id).catch(() => null);
        return fresh ? environmentView(fresh) : null;
      },
      signal: held,
    });
  }
}

function abortOnClose(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  return controller.signal;
}
