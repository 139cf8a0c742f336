import { parse, stringify } from 'yaml';

interface Named {
  name: string;
  [key: string]: unknown;
}
interface Kubeconfig {
  apiVersion?: string;
  kind?: string;
  clusters?: Named[];
  users?: Named[];
  contexts?: Array<Named & { context?: { cluster?: string; user?: string; [k: string]: unknown } }>;
  'current-context'?: string;
  [key: string]: unknown;
}

/**
 * Renames an environment's kubeconfig entries to corral-<environment> (cluster and context) and
 * corral-<environment>-admin (user), so they cannot clash with other entries of a shared file.
 */
export function namespacedKubeconfig(yaml: string, environment: string): Kubeconfig {
  const config = parse(yaml) as Kubeconfig;
  const cluster = `corral-${environment}`;
  const user = `corral-${environment}-admin`;
  const [c] = config.clusters ?? [];
  const [u] = config.users ?? [];
  const [ctx] = config.contexts ?? [];
  if (!c || !u || !ctx) throw new Error('the server sent a kubeconfig without cluster, user or context');
  return {
    ...config,
    clusters: [{ ...c, name: cluster }],
    users: [{ ...u, name: user }],
    contexts: [{ ...ctx, name: cluster, context: { ...ctx.context, cluster, user } }],
    'current-context': cluster,
  };
}

/**
 * Merges `addition` into an existing kubeconfig (YAML text or empty): entries with the same
 * names are replaced, everything else is kept; the current context becomes the addition's.
 */
export function mergeKubeconfig(existing: string, addition: Kubeconfig): string {
  const base = ((existing.trim() ? parse(existing) : null) ?? {}) as Kubeconfig;
  const merge = (current: Named[] | undefined, extra: Named[] | undefined) => {
    const names = new Set((extra ?? []).map((e) => e.name));
    return [...(current ?? []).filter((e) => !names.has(e.name)), ...(extra ?? [])];
  };
  return stringify(
    {
      ...base,
      apiVersion: base.apiVersion ?? 'v1',
      kind: base.kind ?? 'Config',
      clusters: merge(base.clusters, addition.clusters),
      users: merge(base.users, addition.users),
      contexts: merge(base.contexts, addition.contexts),
      'current-context': addition['current-context'] ?? base['current-context'],
    },
    { lineWidth: 0 },
  );
}
