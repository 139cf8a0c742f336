import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUTH_METADATA, AuthRequirement } from './auth.decorators';
import { ApiKeysService } from './api-keys.service';
import type { AuthenticatedRequest } from './authenticated-request';
import { scopesAllow } from './scopes';
import { RateLimiter } from '../fair-use/rate-limiter.service';

/**
 * Global guard: every route declares how it is authenticated. A route that declares nothing
 * needs the admin scope, so a forgotten decorator fails closed. An authenticated key's request
 * counts toward its rate limit (429 past it).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement =
      this.reflector.getAllAndOverride<AuthRequirement>(AUTH_METADATA, [context.getHandler(), context.getClass()]) ??
      ({ kind: 'scope', scope: 'admin' } as const);
    if (requirement.kind === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const bearer = readBearer(request.headers.authorization);
    if (!bearer) throw new UnauthorizedException('missing credential: send Authorization: Bearer <key>');

    // host credentials are checked by the hosts module's own guard, which @HostAuth() applies
    if (requirement.kind === 'host') return true;

    const key = await this.apiKeys.authenticate(bearer);
    if (!key) throw new UnauthorizedException('API key is not valid');
    request.principal = { kind: 'api-key', id: key.id, name: key.name, scopes: key.scopes };
    if (!scopesAllow(key.scopes, requirement.scope)) {
      throw new ForbiddenException(`this API key lacks the "${requirement.scope}" scope`);
    }
    await this.rateLimiter.take(key.id);
    return true;
  }
}

function readBearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
