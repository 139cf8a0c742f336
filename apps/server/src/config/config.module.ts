import { DynamicModule, Global, Module } from '@nestjs/common';
import { CorralConfig } from './corral-config';

export const CORRAL_CONFIG = Symbol('CORRAL_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: CorralConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CORRAL_CONFIG, useValue: config }], exports: [CORRAL_CONFIG] };
  }
}
