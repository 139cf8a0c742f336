import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { PoolResource } from '@corral/contracts';
import { RequireScope } from '../auth/auth.decorators';
import { HostPoolService } from './host-pool.service';

/** Host pools: named groups of hosts that wait idle until an environment claims them. */
@ApiTags('pools')
@ApiBearerAuth()
@Controller('v1/pools')
export class HostPoolsController {
  constructor(
    private readonly pools: HostPoolService,
  ) {}

  @Get()
  @RequireScope('read')
  async list(): Promise<{ items: PoolResource[] }> {
    const [pools, waiting] = await Promise.all([this.pools.listPools(), this.pools.countWaitingByPool()]);
    const items: PoolResource[] = pools.map((p) => ({ ...p, waitingEnvironments: waiting.get(p.name) ?? 0 }));
    // a pool with waiting environments but no hosts yet still shows
    for (const [name, n] of waiting) if (!pools.some((p) => p.name === name)) items.push({ name, hosts: { total: 0, idle: 0, claimed: 0, unavailable: 0 }, waitingEnvironments: n });
    return { items: items.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  @Get(':pool')
  @RequireScope('read')
  async get(@Param('pool') pool: string): Promise<PoolResource> {
    const found = (await this.list()).items.find((p) => p.name === pool);
    if (!found) throw new NotFoundException(`pool ${pool} has no hosts and no waiting environments`);
    return found;
  }
}
