import type { IngressRule } from './ingress-rules';

export type RuleMatch =
  | { kind: 'matched'; rule: IngressRule }
  /** no rule names this host (or a wildcard of it), and there is no host-less rule */
  | { kind: 'no-host'; host: string }
  /** rules exist for the host, none of their paths matches */
  | { kind: 'no-path'; host: string; path: string };

/** "Example.COM:8080" -> "example.com"; "[::1]:80" -> "::1"; a trailing dot is dropped. */
export function normalizeHost(hostHeader: string): string {
  let host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end > 0 ? host.slice(1, end) : host;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && host.indexOf(':') === colon) host = host.slice(0, colon);
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** The "*.rest" wildcard that covers host: a wildcard matches exactly one leading label. */
export function wildcardFor(host: string): string | null {
  const dot = host.indexOf('.');
  return dot > 0 ? `*${host.slice(dot)}` : null;
}

const segments = (path: string): string[] => path.split('/').filter((s) => s !== '');

/**
 * Kubernetes path semantics: Exact compares the whole path; Prefix (and, as ingress-nginx does
 * without regex annotations, ImplementationSpecific) matches whole "/"-separated elements, so
 * "/foo" matches "/foo", "/foo/" and "/foo/bar" but not "/foobar".
 */
export function pathMatches(rule: Pick<IngressRule, 'path' | 'pathType'>, path: string): boolean {
  if (rule.pathType === 'Exact') return rule.path === path;
  const want = segments(rule.path);
  const have = segments(path);
  return want.length <= have.length && want.every((segment, i) => segment === have[i]);
}

/**
 * The rule a request for host + path goes to, as ingress-nginx chooses: the most specific host
 * group that exists (exact host, then its wildcard, then host-less rules) and, within it, the
 * longest matching path, Exact before Prefix on equal length, then the oldest Ingress.
 * `rank` orders equal candidates (lower first); the table passes the Ingress's age.
 */
export function matchRule(rules: readonly IngressRule[], hostHeader: string, path: string, rank: (rule: IngressRule) => string): RuleMatch {
  const host = normalizeHost(hostHeader);
  const wildcard = wildcardFor(host);
  const groups = [rules.filter((r) => r.host === host), wildcard ? rules.filter((r) => r.host === wildcard) : [], rules.filter((r) => r.host === null)];
  const group = groups.find((g) => g.length > 0);
  if (!group) return { kind: 'no-host', host };
  const candidates = group.filter((r) => pathMatches(r, path));
  if (candidates.length === 0) return { kind: 'no-path', host, path };
  const length = (r: IngressRule) => (r.pathType === 'Exact' ? r.path.length : r.path.replace(/\/+$/, '').length);
  candidates.sort(
    (a, b) =>
      length(b) - length(a) ||
      Number(b.pathType === 'Exact') - Number(a.pathType === 'Exact') ||
      Number(a.defaultBackend === true) - Number(b.defaultBackend === true) ||
      compare(rank(a), rank(b)),
  );
  return { kind: 'matched', rule: candidates[0]! };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
