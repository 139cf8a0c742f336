/** Polls check every intervalMs until it answers truthy; throws naming `what` after timeoutMs. */
export async function waitUntil(check: () => Promise<unknown>, timeoutMs: number, what: string, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
