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

/** What a merged entry may carry from the server: credentials as data, never a command (exec) or plugin (auth-provider). */
const CLUSTER_FIELDS = ['server', 'certificate-authority-data', 'tls-server-name'];
const USER_FIELDS = ['client-certificate-data', 'client-key-data', 'token'];

function only(entry: unknown, fields: string[]): Record<string, unknown> {
  const source = (entry ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => typeof source[f] === 'string').map((f) => [f, source[f]]));
}

/**
 * Renames an environment's kubeconfig entries to corral-<environment> (cluster and context) and
 * corral-<environment>-admin (user), so they cannot clash with other entries of a shared file.
 * Keeps only the server, CA, certificate, key and token fields: a kubeconfig from a server
 * cannot plant an exec command or auth-provider into the user's own file.
 */
export function namespacedKubeconfig(yaml: string, environment: string): Kubeconfig {
  const config = parse(yaml) as Kubeconfig;
  const cluster = `corral-${environment}`;
  const user = `corral-${environment}-admin`;
  const [c] = config.clusters ?? [];
  const [u] = config.users ?? [];
  const [ctx] = config.contexts ?? [];
  if (!c || !u || !ctx) throw new Error('the server sent a kubeconfig without cluster, user or context');
  const clusterFields = only(c.cluster, CLUSTER_FIELDS);
  const userFields = only(u.user, USER_FIELDS);
  if (typeof clusterFields.server !== 'string') throw new Error('the server sent a kubeconfig whose cluster has no server');
  if (Object.keys(userFields).length === 0) throw new Error('the server sent a kubeconfig whose user has no certificate or token');
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: clusterFields }],
    users: [{ name: user, user: userFields }],
    contexts: [{ name: cluster, context: { cluster, user, ...(typeof ctx.context?.namespace === 'string' ? { namespace: ctx.context.namespace } : {}) } }],
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
