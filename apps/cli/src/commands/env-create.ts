import { randomUUID } from 'node:crypto';
import type { EnvironmentWaitResponse } from '@corral/contracts';
import type { CliContext } from '../cli-context';
import { CreateFlags, planCreate } from '../args/create-args';
import { EXIT } from '../exit-codes';
import { environmentDetail } from '../output/resources';
import { elapsed, until } from '../output/relative-time';
import { WaitInterrupted, waitForEnvironment } from '../wait/wait-for-environment';
import { progressFor, reportFailure, saveKubeconfig } from './shared';

/**
 * `corral env create NAME [...] [--wait]`: creates (with an Idempotency-Key, so retries are
 * safe); with --wait, shows progress and exits 0 when active, 1 when it fails, 2 on timeout,
 * 130 on Ctrl-C (leaving it to its TTL, giving it --interrupt-ttl when it has none, or deleting it
 * with --delete-on-interrupt).
 */
export async function envCreate(ctx: CliContext, name: string, flags: CreateFlags): Promise<number> {
  const plan = planCreate(name, flags);
  const client = ctx.client();
  const interrupted = new AbortController();
  let interrupts = 0;
  const stopListening = ctx.io.onInterrupt(() => {
    interrupts++;
    interrupted.abort();
  });
  try {
    const created = await client.createEnvironment(plan.request, flags.idempotencyKey ?? randomUUID());
    if (!plan.wait) {
      ctx.print(created, () => environmentDetail(created, ctx.now()));
      return EXIT.ok;
    }
    const progress = progressFor(ctx, name);
    let result: EnvironmentWaitResponse;
    try {
      if (interrupted.signal.aborted) throw new WaitInterrupted('interrupted');
      result = await waitForEnvironment(client, name, { target: 'active', timeoutMs: plan.timeoutMs, signal: interrupted.signal, progress });
    } catch (err) {
      if (!(err instanceof WaitInterrupted)) throw err;
      progress.finish(`interrupted`);
      if (plan.deleteOnInterrupt && interrupts < 2) {
        await client.deleteEnvironment(name);
        ctx.io.stderr.write(`interrupted: environment ${name} is being deleted (--delete-on-interrupt)\n`);
      } else if (created.expiresAt) {
        ctx.io.stderr.write(`interrupted: environment ${name} is left as it is and expires ${until(created.expiresAt, ctx.now())} (${created.expiresAt}); delete it now with: corral env delete ${name}\n`);
      } else if (interrupts < 2) {
        // created without a TTL: nobody waits for it any more, so it must not stay for good
        const bounded = await client.updateEnvironment(name, { ttl: plan.interruptTtl });
        ctx.io.stderr.write(
          `interrupted: environment ${name} had no TTL; it is left as it is and now expires ${until(bounded.expiresAt!, ctx.now())} (${bounded.expiresAt}, --interrupt-ttl ${plan.interruptTtl}); delete it now with: corral env delete ${name}\n`,
        );
      } else {
        ctx.io.stderr.write(`interrupted twice: environment ${name} is left without a TTL; delete it with: corral env delete ${name}\n`);
      }
      return EXIT.interrupted;
    }
    const took = elapsed(result.wait?.waitedMs ?? 0);
    switch (result.wait?.result) {
      case 'reached':
        progress.finish(`✓ ${name} is active after ${took}`);
        await saveKubeconfig(ctx, name, { file: plan.kubeconfigFile, merge: plan.merge });
        ctx.print(result, () => environmentDetail(result, ctx.now()));
        return EXIT.ok;
      case 'failed':
        progress.finish(`✗ ${name} failed after ${took}`);
        await reportFailure(ctx, result);
        ctx.print(result, () => environmentDetail(result, ctx.now()));
        return EXIT.failed;
      default:
        progress.finish(`${name} is still ${result.state} after ${took}`);
        ctx.io.stderr.write(`timed out: ${name} did not become active within ${elapsed(plan.timeoutMs)}; it is ${result.state}${result.expiresAt ? ` and expires ${until(result.expiresAt, ctx.now())}` : ''}\n`);
        ctx.print(result, () => environmentDetail(result, ctx.now()));
        return EXIT.timedOut;
    }
  } finally {
    stopListening();
  }
}
