import { HOST_ROLES, type HostRole } from '@corral/contracts';

export type RoleGrant = { granted: HostRole[] } | { refused: HostRole[] };

/**
 * The roles a registering host receives. A token may bind the roles its hosts may take
 * (`allowed`; null = any). A host asking for none means "any role": with a bound token it gets
 * exactly the token's roles. A host asking for a role the token does not allow is refused (the
 * caller answers 403 naming `refused`): it never silently gets less than it asked for.
 */
export function grantHostRoles(requested: readonly HostRole[], allowed: readonly HostRole[] | null): RoleGrant {
  const asked = HOST_ROLES.filter((role) => requested.includes(role));
  if (allowed === null) return { granted: asked };
  if (asked.length === 0) return { granted: HOST_ROLES.filter((role) => allowed.includes(role)) };
  const refused = asked.filter((role) => !allowed.includes(role));
  return refused.length ? { refused } : { granted: asked };
}
