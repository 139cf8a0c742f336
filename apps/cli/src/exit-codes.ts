/**
 * The CLI's exit codes, a contract for pipelines:
 *   0 ready / done, 1 failed (environment failed, not found, conflict, server or network error),
 *   2 timed out (--wait/--timeout), 3 usage or authentication error, 130 interrupted (Ctrl-C).
 */
export const EXIT = { ok: 0, failed: 1, timedOut: 2, usage: 3, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A wrong flag, argument or missing configuration: exit 3. */
export class UsageError extends Error {}

/** Anything that ends the command with a given exit code and a message for stderr. */
export class CliExit extends Error {
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

/** An error answer of the API. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/**
 * Maps an HTTP status to the exit code: 401/403 and request errors (400, 422) are usage or
 * auth errors (3), everything else (404, 409, 5xx) a failure (1).
 */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 400 || status === 401 || status === 403 || status === 422) return EXIT.usage;
  return EXIT.failed;
}

/** The exit code and message for whatever ended a command. */
export function exitFor(err: unknown): { code: ExitCode; message: string } {
  if (err instanceof CliExit) return { code: err.code, message: err.message };
  if (err instanceof UsageError) return { code: EXIT.usage, message: err.message };
  if (err instanceof ApiError) return { code: exitCodeForStatus(err.status), message: err.message };
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  // by name: fetch's TypeError may come from another realm
  if ((err as Error)?.name === 'TypeError' && cause) {
    return { code: EXIT.failed, message: `cannot reach the server: ${[cause.code, cause.message].filter(Boolean).join(' ')}` };
  }
  return { code: EXIT.failed, message: (err as Error)?.message ?? String(err) };
}
