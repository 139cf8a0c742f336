import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import type { ConnectionOptions } from 'bullmq';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { CORRAL_QUEUE } from './jobs';
import { JobsQueue } from './jobs-queue.service';
import { redisConnectionOptions } from './redis-connection';

@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [CORRAL_CONFIG],
      useFactory: (config: CorralConfig) => ({ connection: redisConnectionOptions(config.redisUrl) as ConnectionOptions, prefix: config.redisPrefix }),
    }),
    BullModule.registerQueue({ name: CORRAL_QUEUE }),
  ],
  providers: [JobsQueue],
  exports: [JobsQueue, BullModule],
})
export class QueueModule {}
