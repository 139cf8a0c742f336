import { Controller, Get, Header, Inject, NotFoundException } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { readServerCa } from './server-tls';

@ApiTags('tls')
@Controller('v1/tls')
export class TlsController {
  constructor(@Inject(CORRAL_CONFIG) private readonly config: CorralConfig) {}

  /**
   * The CA certificate of this server's TLS certificate (PEM). Public: a client trusts it only
   * after checking its SHA-256 fingerprint, e.g. the one in a registration command.
   */
  @Get('ca')
  @Public()
  @Header('Content-Type', 'application/x-pem-file')
  @ApiProduces('application/x-pem-file')
  ca(): string {
    const ca = readServerCa(this.config);
    if (!ca) throw new NotFoundException('this server serves plain HTTP (no CORRAL_TLS_CERT_FILE): it has no CA to hand out');
    return ca;
  }
}
