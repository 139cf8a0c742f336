import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { MetricsService } from './metrics.service';
import { MetricsController } from './metrics.controller';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { QueueModule } from '../queue/queue.module';
import { MetricsPort } from './metrics-port';

@Module({ imports: [QueueModule], controllers: [MetricsController], providers: [MetricsService, MetricsPort] })
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
