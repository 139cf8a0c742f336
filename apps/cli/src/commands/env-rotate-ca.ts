import type { CaRotationResource } from '@corral/contracts';
import { sleep } from '@corral/domain';
import type { CliContext } from '../cli-context';
import { duration } from '../args/create-args';
import { EXIT, UsageError } from '../exit-codes';
import { renderFields, renderTable } from '../output/table';

const POLL_MS = 2_000;

/**
 * `corral env rotate-ca NAME [--wait [--timeout 30m]] | --status | --cancel`: rotates the
 * environment's cluster CA (trust-both → reissue → drop-old), shows the rotation, or cancels
 * one still in trust-both.
 */
export async function envRotateCa(ctx: CliContext, name: string, flags: { wait?: boolean; timeout?: string; status?: boolean; cancel?: boolean }): Promise<number> {
  if ([flags.wait, flags.status, flags.cancel].filter(Boolean).length > 1) throw new UsageError('use one of --wait, --status and --cancel');
  if (flags.timeout !== undefined && !flags.wait) throw new UsageError('--timeout needs --wait');
  const timeoutMs = duration('--timeout', flags.timeout ?? '30m', true);
  const client = ctx.client();
  if (flags.status || flags.cancel) {
    const rotation = flags.cancel ? await client.cancelCaRotation(name) : await client.getCaRotation(name);
    ctx.print(rotation, () => caRotationDetail(rotation));
    return EXIT.ok;
  }
  let rotation = await client.startCaRotation(name);
  if (!flags.wait) {
    ctx.print(rotation, () => `rotating the cluster CA of ${name}: phase ${rotation.phase} (see: corral env rotate-ca ${name} --status)\n`);
    return EXIT.ok;
  }
  const deadline = ctx.now() + timeoutMs;
  let shown = '';
  while (rotation.active) {
    const line = `${rotation.phase}${rotation.progress ? ` ${rotation.progress.settled}/${rotation.progress.total}` : ''}`;
    if (line !== shown) ctx.io.stderr.write(`  ${name}: CA rotation ${line}\n`);
    shown = line;
    if (ctx.now() >= deadline) {
      ctx.io.stderr.write(`timed out: the CA rotation of ${name} is in phase ${rotation.phase}; the server carries on\n`);
      ctx.print(rotation, () => caRotationDetail(rotation));
      return EXIT.timedOut;
    }
    await sleep(POLL_MS);
    rotation = await client.getCaRotation(name);
  }
  ctx.print(rotation, () => caRotationDetail(rotation));
  return rotation.phase === 'completed' ? EXIT.ok : EXIT.failed;
}

export function caRotationDetail(r: CaRotationResource): string {
  const fields: Array<[string, string]> = [
    ['Environment', r.environment],
    ['CA', r.ca],
    ['Phase', r.phase + (r.progress && r.active ? ` (${r.progress.settled}/${r.progress.total} components on it)` : '')],
    ['Started', `${r.startedAt}${r.requestedBy ? ` by ${r.requestedBy}` : ''}`],
    ['Finished', r.finishedAt ?? '-'],
  ];
  const phases = renderTable(['phase', 'started', 'ended', 'seconds'], r.phases.map((p) => [p.phase, p.startedAt, p.endedAt ?? '-', p.seconds === null ? '-' : p.seconds.toFixed(1)]));
  return `${renderFields(fields)}Phases:\n${phases.replace(/^/gm, '  ')}`;
}
