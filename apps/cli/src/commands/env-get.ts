import type { CliContext } from '../cli-context';
import { EXIT } from '../exit-codes';
import { environmentDetail } from '../output/resources';

/** `corral env get NAME` */
export async function envGet(ctx: CliContext, name: string): Promise<number> {
  const env = await ctx.client().getEnvironment(name);
  ctx.print(env, () => environmentDetail(env, ctx.now()));
  return EXIT.ok;
}
