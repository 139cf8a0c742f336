import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators';
import { EnvironmentsService } from './environments.service';
import { CreateEnvironmentDto } from './dto/create-environment.dto';
import { UpdateEnvironmentDto } from './dto/update-environment.dto';
import { ListEnvironmentsQuery } from './dto/list-environments.query';
import { environmentView } from './environment.view';
import { EventsService } from '../events/events.service';

@ApiTags('environments')
@ApiBearerAuth()
@Controller('v1/environments')
export class EnvironmentsController {
  constructor(
    private readonly environments: EnvironmentsService,
    private readonly events: EventsService,
  ) {}

  @Post()
  @RequireScope('write')
  async create(@Body() body: CreateEnvironmentDto) {
    return environmentView(await this.environments.create(body));
  }

  @Get()
  @RequireScope('read')
  async list(@Query() query: ListEnvironmentsQuery) {
    const page = await this.environments.list(query);
    return { items: page.items.map(environmentView), ...(page.continue ? { continue: page.continue } : {}) };
  }

  @Get(':env')
  @RequireScope('read')
  async get(@Param('env') env: string) {
    return environmentView(await this.environments.get(env));
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

  @Get(':env/events')
  @RequireScope('read')
  async listEvents(@Param('env') env: string) {
    const environment = await this.environments.get(env);
    return { items: await this.events.listForEnvironment(environment.id) };
  }
}
