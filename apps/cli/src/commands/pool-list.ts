import type { CliContext } from '../cli-context';
import { EXIT } from '../exit-codes';
import { poolsTable } from '../output/resources';

/** `corral pool list` */
export async function poolList(ctx: CliContext): Promise<number> {
  const list = await ctx.client().listPools();
  ctx.print(list, () => poolsTable(list.items));
  return EXIT.ok;
}
