import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope } from './auth.decorators';
import { ApiKeysService } from './api-keys.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import type { AuthenticatedRequest } from './authenticated-request';
import { UuidParam } from '../common/uuid-param.pipe';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @RequireScope('admin')
  create(@Body() body: CreateApiKeyDto) {
    return this.apiKeys.create(body.name, body.scopes);
  }

  @Get()
  @RequireScope('admin')
  async list() {
    return { items: await this.apiKeys.list() };
  }

  @Delete(':id')
  @RequireScope('admin')
  @HttpCode(204)
  async remove(@Param('id', UuidParam('API key')) id: string, @Req() req: AuthenticatedRequest) {
    await this.apiKeys.remove(id, req.principal!.id);
  }
}
