import { CanActivate, ExecutionContext, Injectable, UnauthorizedException, UseGuards, applyDecorators, SetMetadata } from '@nestjs/common';
import { AUTH_METADATA, AuthRequirement } from '../auth/auth.decorators';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { HostsService } from './hosts.service';
import type { Host } from './host.entity';

export type HostRequest = AuthenticatedRequest & { corralHost?: Host };

/** Authenticates an agent by its host credential; the host is then on request.host. */
@Injectable()
export class HostCredentialGuard implements CanActivate {
  constructor(private readonly hosts: HostsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HostRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new UnauthorizedException('missing host credential: send Authorization: Bearer <credential>');
    const host = await this.hosts.authenticate(match[1]);
    if (!host) throw new UnauthorizedException('host credential is not valid (the host was removed or the credential revoked); register again with a new token');
    request.corralHost = host;
    request.principal = { kind: 'host', id: host.id, name: host.hostname, scopes: [] };
    return true;
  }
}

/** The route is for agents: a host credential, reading and reporting for its own host only. */
export const HostAuth = () =>
  applyDecorators(SetMetadata(AUTH_METADATA, { kind: 'host' } satisfies AuthRequirement), UseGuards(HostCredentialGuard));
