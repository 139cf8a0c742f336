import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Public } from '../auth/auth.decorators';
import { CORRAL_QUEUE } from '../queue/jobs';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectQueue(CORRAL_QUEUE) private readonly queue: Queue,
  ) {}

  /** Ready when PostgreSQL and Redis both answer. */
  @Get('healthz')
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      async () => {
        const redis = this.indicators.check('redis');
        try {
          // a queue read proves Redis answers, through the connection the queue really uses
          await Promise.race([this.queue.getJobCounts('waiting'), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2s')), 2000))]);
          return redis.up();
        } catch (err) {
          return redis.down({ message: (err as Error).message });
        }
      },
    ]);
  }
}
