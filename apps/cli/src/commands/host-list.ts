import type { CliContext } from '../cli-context';
import { EXIT } from '../exit-codes';
import { hostsTable } from '../output/resources';

/** `corral host list [--pool P] [--env E]` */
export async function hostList(ctx: CliContext, flags: { pool?: string; env?: string }): Promise<number> {
  const client = ctx.client();
  const list = await client.listHosts({ pool: flags.pool, environment: flags.env });
  // the table names environments; machine output keeps the ids of the wire format
  const names = ctx.format() === 'table' ? new Map((await client.listEnvironments()).items.map((e) => [e.id, e.name])) : new Map<string, string>();
  ctx.print(list, () => hostsTable(list.items, names, ctx.now()));
  return EXIT.ok;
}
