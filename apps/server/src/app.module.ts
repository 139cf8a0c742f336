import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { ConfigModule } from './config/config.module';
import type { CorralConfig } from './config/corral-config';
import { dataSourceOptions } from './persistence/data-source-options';
import { agentDatabaseModule } from './persistence/agent-database';
import { KubeApiModule } from './kube-api/kube-api.module';
import { AuthModule } from './auth/auth.module';
import { EnvironmentsModule } from './environments/environments.module';
import { RegistrationTokensModule } from './registration-tokens/registration-tokens.module';
import { HostsModule } from './hosts/hosts.module';
import { AgentProtocolModule } from './agent-protocol/agent-protocol.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { CryptoModule } from './crypto/crypto.module';
import { FairUseModule } from './fair-use/fair-use.module';
import { ImagesModule } from './images/images.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';

@Module({})
export class AppModule {
  static forConfig(config: CorralConfig): DynamicModule {
    const api = config.role !== 'worker';
    const worker = config.role !== 'api';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req, res) => {
              const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
              res.setHeader('x-request-id', id);
              return id;
            },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
          },
        }),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, config.databaseSchema, config.databasePoolSize)),
        agentDatabaseModule(config),
        CryptoModule,
        FairUseModule,
        AuthModule,
        ProvisioningModule,
        EnvironmentsModule,
        RegistrationTokensModule,
        HostsModule,
        ...(api ? [AgentProtocolModule, HealthModule, MetricsModule, ImagesModule, KubeApiModule] : []),
        ...(worker ? [LifecycleModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
