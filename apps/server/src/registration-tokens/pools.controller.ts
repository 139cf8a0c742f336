import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { withAgentCommand } from './agent-command';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { validateDns1123Label } from '@corral/domain';
import { RequireScope } from '../auth/auth.decorators';
import { RegistrationTokensService, registrationTokenView } from './registration-tokens.service';
import { CreateRegistrationTokenDto } from './dto/create-registration-token.dto';
import { UuidParam } from '../common/uuid-param.pipe';
import { FieldValidationException } from '../common/field-validation.exception';

/** Registration tokens scoped to a named host pool: pool hosts wait idle until an environment claims them. */
@ApiTags('pools')
@ApiBearerAuth()
@Controller('v1/pools/:pool/registration-tokens')
export class PoolsController {
  constructor(
    private readonly tokens: RegistrationTokensService,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  @Post()
  @RequireScope('write')
  async create(@Param('pool') pool: string, @Body() body: CreateRegistrationTokenDto, @Req() req: Request) {
    return withAgentCommand(this.config, req, await this.tokens.create({ environmentId: null, pool: poolName(pool) }, body));
  }

  @Get()
  @RequireScope('read')
  async list(@Param('pool') pool: string) {
    return { items: (await this.tokens.list({ environmentId: null, pool: poolName(pool) })).map(registrationTokenView) };
  }

  @Delete(':id')
  @RequireScope('write')
  @HttpCode(204)
  async revoke(@Param('pool') pool: string, @Param('id', UuidParam('registration token')) id: string) {
    await this.tokens.revoke({ environmentId: null, pool: poolName(pool) }, id);
  }
}

function poolName(pool: string): string {
  const problem = validateDns1123Label(pool);
  if (problem) throw FieldValidationException.field('pool', problem);
  return pool;
}
