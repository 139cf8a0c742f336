import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
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
  ) {}

  @Post()
  @RequireScope('write')
  async create(@Param('env') env: string, @Body() body: CreateRegistrationTokenDto) {
    const environment = await this.environments.get(env);
    return this.tokens.create({ environmentId: environment.id, pool: null }, body);
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
