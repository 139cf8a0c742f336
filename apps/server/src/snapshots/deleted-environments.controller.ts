import { Controller, Delete, Get, HttpCode, Param, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { DeletedEnvironmentsService } from './deleted-environments.service';
import { snapshotView } from './snapshot.view';

@ApiTags('snapshots')
@ApiBearerAuth()
@Controller('v1/deleted-environments')
export class DeletedEnvironmentsController {
  constructor(private readonly deleted: DeletedEnvironmentsService) {}

  /** Deleted environments within their retention, with the snapshots kept (restore one into a new environment with POST /v1/environments/{env}/restore). */
  @Get()
  @RequireScope('admin')
  async list() {
    return { items: (await this.deleted.list()).map((d) => ({ ...d, snapshots: d.snapshots.map(snapshotView) })) };
  }

  /** Purges a deleted environment and its snapshots now (admin only). */
  @Delete(':id')
  @RequireScope('admin')
  @HttpCode(204)
  async purge(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<void> {
    await this.deleted.purge(id, `API key ${req.principal?.id ?? 'unknown'}`);
  }
}
