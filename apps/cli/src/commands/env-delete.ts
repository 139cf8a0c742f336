import type { CliContext } from '../cli-context';
import { duration } from '../args/create-args';
import { ApiError, EXIT, UsageError } from '../exit-codes';
import { environmentDetail } from '../output/resources';
import { elapsed } from '../output/relative-time';
import { WaitInterrupted, waitForEnvironment } from '../wait/wait-for-environment';
import { progressFor } from './shared';

/** `corral env delete NAME [--wait [--timeout 5m]] [--ignore-not-found]` */
export async function envDelete(ctx: CliContext, name: string, flags: { wait?: boolean; timeout?: string; ignoreNotFound?: boolean }): Promise<number> {
  if (flags.timeout !== undefined && !flags.wait) throw new UsageError('--timeout needs --wait');
  const timeoutMs = duration('--timeout', flags.timeout ?? '5m', true);
  const client = ctx.client();
  let deleting;
  let afterEventId: string | undefined;
  try {
    // progress shows what the deletion does, not the environment's whole history
    if (flags.wait) afterEventId = await client.lastEventId(name).catch(() => undefined);
    deleting = await client.deleteEnvironment(name);
  } catch (err) {
    if (flags.ignoreNotFound && err instanceof ApiError && err.status === 404) {
      ctx.io.stderr.write(`environment ${name} not found; nothing to delete\n`);
      return EXIT.ok;
    }
    throw err;
  }
  if (!flags.wait) {
    ctx.print(deleting, () => `environment ${name} is being deleted\n`);
    return EXIT.ok;
  }
  const interrupted = new AbortController();
  const stopListening = ctx.io.onInterrupt(() => interrupted.abort());
  const progress = progressFor(ctx, name);
  try {
    const result = await waitForEnvironment(client, name, { target: 'deleted', timeoutMs, signal: interrupted.signal, progress, afterEventId });
    if (result.wait?.result === 'reached') {
      progress.finish(`✓ ${name} deleted after ${elapsed(result.wait.waitedMs)}`);
      ctx.print(result, () => `environment ${name} deleted\n`);
      return EXIT.ok;
    }
    progress.finish(`${name} is still ${result.state}`);
    ctx.io.stderr.write(`timed out: ${name} was not deleted within ${elapsed(timeoutMs)}; the server keeps deleting it\n`);
    ctx.print(result, () => environmentDetail(result, ctx.now()));
    return EXIT.timedOut;
  } catch (err) {
    if (!(err instanceof WaitInterrupted)) throw err;
    progress.finish('interrupted');
    ctx.io.stderr.write(`interrupted: the server keeps deleting ${name}\n`);
    return EXIT.interrupted;
  } finally {
    stopListening();
  }
}
