import type { IngressRule } from '../rules/ingress-rules';
import { serverName, type Slots } from './server-slots';

export interface LbListen {
  bindAddress: string;
  httpPort: number;
  httpsPort: number;
  /** where haproxy.cfg, the map files and the runtime socket live */
  runDir: string;
}

export interface RoutingMaps {
  /** "host/path" → backend, looked up exactly */
  hostExact: Array<[string, string]>;
  /** "host/path/" → backend, looked up by longest beginning */
  hostPrefix: Array<[string, string]>;
  /** the same for rules without a host, keyed by path alone */
  anyExact: Array<[string, string]>;
  anyPrefix: Array<[string, string]>;
  /** the backend of spec.defaultBackend, if any Ingress has one */
  defaultBackend: string | null;
  /** rules left out, with why */
  skipped: string[];
}

/** HAProxy's name of the backend for a Service port of a namespace */
export const backendName = (r: Pick<IngressRule, 'namespace' | 'service' | 'port'>): string => `${r.namespace}_${r.service}_${r.port}`;

export const MAP_FILES = { hostExact: 'host-exact.map', hostPrefix: 'host-prefix.map', anyExact: 'any-exact.map', anyPrefix: 'any-prefix.map' } as const;

/**
 * Kubernetes path matching in map files: Exact "/a" is the key "/a"; Prefix (and
 * ImplementationSpecific) "/a" or "/a/" matches "/a" and everything under "/a/" but not "/ab",
 * so it is the exact key "/a" plus the beginning "/a/". Exact rules win over Prefix rules for
 * the same key, and the first rule of equal ones (the table's order) wins. Wildcard hosts are not
 * served yet.
 */
export function routingMaps(rules: readonly IngressRule[]): RoutingMaps {
  const maps = { hostExact: new Map<string, string>(), hostPrefix: new Map<string, string>(), anyExact: new Map<string, string>(), anyPrefix: new Map<string, string>() };
  const skipped: string[] = [];
  let defaultBackend: string | null = null;
  const put = (m: Map<string, string>, k: string, v: string) => {
    if (!m.has(k)) m.set(k, v);
  };
  const ordered = [...rules].sort((a, b) => Number(b.pathType === 'Exact') - Number(a.pathType === 'Exact'));
  for (const r of ordered) {
    const backend = backendName(r);
    if (r.defaultBackend) {
      defaultBackend ??= backend;
      continue;
    }
    if (r.host?.startsWith('*.')) {
      skipped.push(`${r.namespace}/${r.ingress}: wildcard host ${r.host} is not served yet`);
      continue;
    }
    const [exact, prefix] = r.host === null ? [maps.anyExact, maps.anyPrefix] : [maps.hostExact, maps.hostPrefix];
    const host = r.host ?? '';
    if (r.pathType === 'Exact') {
      put(exact, host + r.path, backend);
      continue;
    }
    const path = r.path.length > 1 ? r.path.replace(/\/+$/, '') : r.path;
    if (path !== '/') put(exact, host + path, backend);
    put(prefix, path === '/' ? `${host}/` : `${host}${path}/`, backend);
  }
  // longest first: HAProxy's beginning match then takes the most specific prefix
  const entries = (m: Map<string, string>) => [...m.entries()].sort(([a], [b]) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  return { hostExact: entries(maps.hostExact), hostPrefix: entries(maps.hostPrefix), anyExact: entries(maps.anyExact), anyPrefix: entries(maps.anyPrefix), defaultBackend, skipped };
}

export const CRT_LIST = 'certs.list';
export const CERT_DIR = 'certs';

export const mapFileContent = (entries: ReadonlyArray<[string, string]>): string => entries.map(([k, v]) => `${k} ${v}\n`).join('');

/**
 * haproxy.cfg: one HTTP frontend that picks the backend from the map files (host + path, then
 * path alone for host-less rules, then the default backend, else 404) on HTTP and, with `tls`,
 * HTTPS, and one backend per
 * Service port with its server slots. Keep-alive to clients and servers; a failed connect is
 * retried on another server, so an endpoint that just went away costs no request. Every server
 * in use is checked (TCP connect each second): one whose host died stops getting requests after
 * two failed checks, long before its EndpointSlice says so (the node's grace period), so
 * requests do not wait on its connect timeout meanwhile.
 */
export function renderHaproxyConfig(listen: LbListen, maps: RoutingMaps, backends: ReadonlyMap<string, Slots>, tls = false): string {
  const file = (name: string) => `${listen.runDir}/${name}`;
  const lookup = (sample: string, conv: 'map_str' | 'map_beg', name: string) => {
    const expr = `${sample},${conv}(${file(name)})`;
    return `    use_backend %[${expr}] if { ${expr} -m found }`;
  };
  const lines = [
    'global',
    `    stats socket ${file('admin.sock')} mode 600 level admin expose-fd listeners`,
    '    hard-stop-after 30s',
    '',
    'defaults',
    '    mode http',
    '    timeout connect 5s',
    '    timeout client 60s',
    '    timeout server 60s',
    '    timeout http-keep-alive 30s',
    '    option redispatch 1',
    '    retries 3',
    '    retry-on conn-failure empty-response',
    '    default-server check inter 1s fall 2 rise 1',
    '',
    'frontend http',
    `    bind ${listen.bindAddress}:${listen.httpPort}`,
    // TLS ends here with the certificate the client's SNI selects (crt-list), only once there is one
    ...(tls ? [`    bind ${listen.bindAddress}:${listen.httpsPort} ssl crt-list ${file(CRT_LIST)}`] : []),
    '    http-request set-var(txn.host) req.hdr(host),field(1,:),lower',
    '    http-request set-var(txn.path) path',
    '    http-request set-var(txn.hostpath) var(txn.host),concat(,txn.path,)',
    lookup('var(txn.hostpath)', 'map_str', MAP_FILES.hostExact),
    lookup('var(txn.hostpath)', 'map_beg', MAP_FILES.hostPrefix),
    lookup('var(txn.path)', 'map_str', MAP_FILES.anyExact),
    lookup('var(txn.path)', 'map_beg', MAP_FILES.anyPrefix),
    `    default_backend ${maps.defaultBackend ?? 'no-rule'}`,
    '',
    'backend no-rule',
    '    http-request return status 404 content-type text/plain string "no ingress rule for this host and path\\n"',
  ];
  for (const [name, slots] of [...backends.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push('', `backend ${name}`, '    balance roundrobin');
    for (const [i, e] of slots.entries()) lines.push(e ? `    server ${serverName(i)} ${e.address}:${e.port}` : `    server ${serverName(i)} 127.0.0.1:1 disabled`);
  }
  return `${lines.join('\n')}\n`;
}
