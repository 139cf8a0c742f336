import type { CliContext } from '../cli-context';
import { EXIT } from '../exit-codes';
import { saveKubeconfig } from './shared';

/** `corral env kubeconfig NAME [--kubeconfig FILE] [--merge] [--direct] [--ttl D]`: to stdout unless a file or --merge is named. */
export async function envKubeconfig(ctx: CliContext, name: string, flags: { kubeconfig?: string; merge?: boolean; direct?: boolean; ttl?: string }): Promise<number> {
  const which = { direct: flags.direct, ttl: flags.ttl };
  if (!flags.kubeconfig && !flags.merge) {
    ctx.io.stdout.write(await ctx.client().kubeconfig(name, which));
    return EXIT.ok;
  }
  await saveKubeconfig(ctx, name, { file: flags.kubeconfig ?? null, merge: Boolean(flags.merge), ...which });
  return EXIT.ok;
}
