import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { ApiErrorBody } from './api-error';
import { FieldValidationException } from './field-validation.exception';
import { TooManyRequestsException } from '../fair-use/too-many-requests.exception';

/**
 * Maps every error to the one JSON shape. Errors raised by the HTTP layer before Nest
 * (malformed JSON, oversized bodies) keep their 4xx status; anything unexpected is a 500
 * whose details stay in the log, never in the answer.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (response.headersSent) return;
    if (exception instanceof TooManyRequestsException) response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    // explicitly: res.json() keeps a content type a route declared for its success (YAML kubeconfig)
    response.status(body.statusCode).type('application/json').json(body);
  }

  private toBody(exception: unknown): ApiErrorBody {
    if (exception instanceof FieldValidationException) {
      return { statusCode: 400, error: 'Bad Request', message: exception.message, details: exception.details };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const res = exception.getResponse();
      const message =
        typeof res === 'string' ? res : Array.isArray((res as { message?: unknown }).message)
          ? ((res as { message: string[] }).message).join('; ')
          : String((res as { message?: unknown }).message ?? exception.message);
      const details = typeof res === 'object' ? (res as { details?: ApiErrorBody['details'] }).details : undefined;
      return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(details ? { details } : {}) };
    }
    const status = (exception as { status?: unknown; statusCode?: unknown })?.status ?? (exception as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const type = (exception as { type?: string }).type;
      const message =
        type === 'entity.parse.failed' ? 'request body is not valid JSON'
        : type === 'entity.too.large' ? 'request body is too large'
        : type === 'encoding.unsupported' || type === 'charset.unsupported' ? 'request body encoding is not supported'
        : (exception as Error).message;
      return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
    }
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, error: 'Internal Server Error', message: 'internal error; see the server log' };
  }
}
