import { eventually } from '@corral/testing';

/** Polls until check returns a truthy value (eventually, with the agent tests' argument order and diagnostics). */
export function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  intervalMs = 100,
  describe: () => unknown = () => undefined,
): Promise<T> {
  return eventually(check, { what, timeoutMs, intervalMs, describe }) as Promise<T>;
}
