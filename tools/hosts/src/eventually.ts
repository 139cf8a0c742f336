export interface EventuallyOptions {
  /** names what is awaited in the failure */
  what?: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** failure diagnostics: what the state was when time ran out (e.g. the processes, the last reports) */
  describe?: () => unknown;
}

/**
 * The test toolkit's one poll-until: polls until the check returns a truthy value and returns
 * it, or fails naming what it waited for, the last value or error seen, and `describe()`. A
 * check that throws (a request that failed on the way) counts as not yet.
 */
export async function eventually<T>(check: () => T | Promise<T>, { what = 'condition', timeoutMs = 15000, intervalMs = 100, describe }: EventuallyOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: Error | undefined;
  for (;;) {
    try {
      last = await check();
      lastError = undefined;
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err as Error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const seen = lastError ? `error: ${lastError.message}` : JSON.stringify(last);
  const state = describe ? `; state: ${safeJson(describe)}` : '';
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}; last: ${seen}${state}`);
}

function safeJson(describe: () => unknown): string {
  try {
    const value = describe();
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch (err) {
    return `(could not describe: ${(err as Error).message})`;
  }
}

/** eventually for checks where only undefined means "not yet" (false, 0 and '' are answers too). */
export async function untilDefined<T>(check: () => T | undefined | Promise<T | undefined>, options: EventuallyOptions = {}): Promise<T> {
  const found = await eventually(async () => {
    const value = await check();
    return value === undefined ? undefined : { value };
  }, options);
  return found.value;
}
