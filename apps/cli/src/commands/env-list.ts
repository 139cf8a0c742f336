import type { CliContext } from '../cli-context';
import { EXIT } from '../exit-codes';
import { environmentsTable } from '../output/resources';

/** `corral env list [--selector k=v] [--state active]` */
export async function envList(ctx: CliContext, flags: { selector?: string; state?: string }): Promise<number> {
  const list = await ctx.client().listEnvironments({ labelSelector: flags.selector, state: flags.state });
  ctx.print(list, () => environmentsTable(list.items, ctx.now()));
  return EXIT.ok;
}
