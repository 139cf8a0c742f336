import { HttpException, HttpStatus } from '@nestjs/common';

/** 429 with the seconds to wait; the exception filter copies `retryAfterSeconds` into Retry-After. */
export class TooManyRequestsException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
