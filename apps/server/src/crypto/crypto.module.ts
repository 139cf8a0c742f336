import { Global, Module } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { SecretBox } from './secret-box';

@Global()
@Module({
  providers: [{ provide: SecretBox, inject: [CORRAL_CONFIG], useFactory: (config: CorralConfig) => new SecretBox(config.secretKeys) }],
  exports: [SecretBox],
})
export class CryptoModule {}
