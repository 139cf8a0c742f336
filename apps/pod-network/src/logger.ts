import pino, { type Logger } from 'pino';
import type { LogLevel } from './config/pod-network-flags';

/** Structured JSON logs on stdout (the agent writes them to the component's log file). */
export function createLogger(level: LogLevel, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  return pino({ level, base: { service: 'corral-pod-network', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
