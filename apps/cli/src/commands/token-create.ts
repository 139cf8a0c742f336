import { HOST_ROLES, type HostRole } from '@corral/contracts';
import type { CliContext } from '../cli-context';
import { duration } from '../args/create-args';
import { EXIT, UsageError } from '../exit-codes';
import { tokenTable } from '../output/resources';

/** `corral token create (--pool P | --env E) [--ttl 24h] [--max-uses N] [--roles worker,...]`: a registration token for agents, shown once. */
export async function tokenCreate(ctx: CliContext, flags: { pool?: string; env?: string; ttl?: string; maxUses?: string; roles?: string }): Promise<number> {
  if (Boolean(flags.pool) === Boolean(flags.env)) throw new UsageError('give exactly one of --pool or --env');
  const maxUses = flags.maxUses === undefined ? undefined : Number(flags.maxUses);
  if (maxUses !== undefined && (!Number.isInteger(maxUses) || maxUses < 1)) throw new UsageError(`--max-uses must be a whole number of at least 1, got "${flags.maxUses}"`);
  const roles = flags.roles === undefined ? undefined : flags.roles.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = roles?.filter((r) => !(HOST_ROLES as readonly string[]).includes(r));
  if (roles && (roles.length === 0 || unknown!.length)) throw new UsageError(`--roles must list some of ${HOST_ROLES.join(', ')}, got "${flags.roles}"`);
  const token = await ctx.client().createToken(
    { pool: flags.pool, environment: flags.env },
    { ...(flags.ttl ? { ttl: duration('--ttl', flags.ttl) } : {}), ...(maxUses ? { maxUses } : {}), ...(roles ? { roles: roles as HostRole[] } : {}) },
  );
  const scope = flags.pool ? `pool ${flags.pool}` : `environment ${flags.env}`;
  ctx.print(token, () => tokenTable({ ...token, scope }));
  return EXIT.ok;
}
