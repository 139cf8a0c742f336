import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { withAgentCommand } from './agent-command';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators';
import { EnvironmentsService } from '../environments/environments.service';
import { RegistrationTokensService, registrationTokenView } from './registration-tokens.service';
import { CreateRegistrationTokenDto } from './dto/create-registration-token.dto';
import { UuidParam } from '../common/uuid-param.pipe';

@ApiTags('registration-tokens')
@ApiBearerAuth()
@Controller('v1/environments/:env/registration-tokens')
export class RegistrationTokensController {
  constructor(
    private readonly environments: EnvironmentsService,
    private readonly tokens: RegistrationTokensService,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  @Post()
  @RequireScope('write')
  async create(@Param('env') env: string, @Body() body: CreateRegistrationTokenDto, @Req() req: Request) {
    const environment = await this.environments.get(env);
    return withAgentCommand(this.config, req, await this.tokens.create({ environmentId: environment.id, pool: null }, body));
  }

  @Get()
  @RequireScope('read')
  async list(@Param('env') env: string) {
    const environment = await this.environments.get(env);
    return { items: (await this.tokens.list({ environmentId: environment.id, pool: null })).map(registrationTokenView) };
  }

  @Delete(':id')
  @RequireScope('write')
  @HttpCode(204)
  async revoke(@Param('env') env: string, @Param('id', UuidParam('registration token')) id: string) {
    const environment = await this.environments.get(env);
    await this.tokens.revoke({ environmentId: environment.id, pool: null }, id);
  }
}
