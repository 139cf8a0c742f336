import type { CliContext } from '../cli-context';
import { duration } from '../args/create-args';
import { EXIT } from '../exit-codes';
import { environmentDetail } from '../output/resources';

/** `corral env extend NAME --ttl 1h`: the environment now expires that long from now. */
export async function envExtend(ctx: CliContext, name: string, flags: { ttl: string }): Promise<number> {
  const env = await ctx.client().updateEnvironment(name, { ttl: duration('--ttl', flags.ttl) });
  ctx.print(env, () => environmentDetail(env, ctx.now()));
  return EXIT.ok;
}
