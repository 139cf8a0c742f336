import { BadRequestException, CallHandler, ConflictException, ExecutionContext, Injectable, NestInterceptor, UnprocessableEntityException } from '@nestjs/common';
import type { Response } from 'express';
import { Observable, catchError, from, mergeMap, of, throwError } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { IdempotencyService } from './idempotency.service';
import { TooDeepError, requestFingerprint } from './request-fingerprint';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';
const KEY_SYNTAX = /^[\x21-\x7e]{1,255}$/;

/**
 * Makes a POST safe to retry with an Idempotency-Key header: the same key with the same
 * request answers the first success again (Idempotent-Replayed: true); with a different
 * request 422; while the first is still being handled 409. Keys are per API key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly keys: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const header = req.headers[IDEMPOTENCY_KEY_HEADER];
    if (header === undefined) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (Array.isArray(header) || !KEY_SYNTAX.test(key)) {
      return throwError(() => new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters, sent once'));
    }
    const principal = req.principal ? `${req.principal.kind}:${req.principal.id}` : 'anonymous';
    let fingerprint: string;
    try {
      fingerprint = requestFingerprint(req.method, req.path, req.body);
    } catch (err) {
      if (err instanceof TooDeepError) return throwError(() => new BadRequestException(err.message));
      throw err;
    }
    return from(this.keys.begin(principal, key, fingerprint)).pipe(
      mergeMap((decision) => {
        switch (decision.kind) {
          case 'mismatch':
            return throwError(() => new UnprocessableEntityException('this Idempotency-Key was already used with a different request; use a new key for a new request'));
          case 'in-flight':
            res.setHeader('Retry-After', '1');
            return throwError(() => new ConflictException('a request with this Idempotency-Key is still being handled; retry in a moment'));
          case 'replay':
            res.status(decision.status).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
            return of(JSON.parse(decision.body) as unknown);
          case 'proceed':
            return next.handle().pipe(
              mergeMap(async (value) => {
                await this.keys.complete(principal, key, res.statusCode, JSON.stringify(value ?? null));
                return value;
              }),
              catchError((err) => from(this.keys.release(principal, key)).pipe(mergeMap(() => throwError(() => err)))),
            );
        }
      }),
    );
  }
}
