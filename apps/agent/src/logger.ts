import pino, { type Logger } from 'pino';

/** Paths that may hold a secret; pino replaces them before anything is written. */
export const REDACTED_PATHS = [
  'token',
  'credential',
  'authorization',
  '*.token',
  '*.credential',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

/** Structured JSON logs on stdout. */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  return pino(
    {
      level,
      base: { service: 'corral-agent', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
