import type { V1Ingress } from '@kubernetes/client-node';
import { INGRESS_SCALE_ANNOTATION, parseIngressScale, type IngressScale } from '@corral/domain';

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** One routable path of an Ingress: requests for host + path go to service:port in namespace. */
export interface IngressRule {
  namespace: string;
  ingress: string;
  /** lowercase; "*.example.com" matches one extra label; null matches any host */
  host: string | null;
  path: string;
  pathType: PathType;
  service: string;
  /** the Service port number, or its name */
  port: number | string;
  /** true for the Ingress's spec.defaultBackend (host null, Prefix "/") */
  defaultBackend?: true;
}

/** One spec.tls entry: the Secret (in the Ingress's namespace) serving these hosts (empty: its own names). */
export interface IngressTls {
  namespace: string;
  secret: string;
  hosts: string[];
}

export interface ExtractedRules {
  rules: IngressRule[];
  tls: IngressTls[];
  /** why parts of the Ingress were left out, for the log */
  skipped: string[];
}


const PATH_TYPES: readonly PathType[] = ['Exact', 'Prefix', 'ImplementationSpecific'];
const DNS_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(\\*\\.)?${DNS_LABEL}(\\.${DNS_LABEL})*$`);

export const ingressKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** How many LB instances serve the Ingress (corral.dev/scale; invalid values serve as 1, with the reason). */
export function ingressScaleOf(ingress: V1Ingress): IngressScale {
  return parseIngressScale(ingress.metadata?.annotations?.[INGRESS_SCALE_ANNOTATION]);
}

/** What rendezvous hashing assigns instances by: the uid (a recreated Ingress may move), else namespace/name. */
export function ingressIdentity(ingress: V1Ingress): string {
  return ingress.metadata?.uid ?? ingressKey(ingress.metadata?.namespace ?? 'default', ingress.metadata?.name ?? '');
}

export { ingressClassOf } from '@corral/domain';

/** The routable rules of an Ingress; malformed parts are skipped with a reason, never guessed. */
export function extractIngressRules(ingress: V1Ingress): ExtractedRules {
  const namespace = ingress.metadata?.namespace ?? 'default';
  const name = ingress.metadata?.name ?? '';
  const rules: IngressRule[] = [];
  const skipped: string[] = [];
  const base = { namespace, ingress: name };

  const defaultBackend = ingress.spec?.defaultBackend;
  if (defaultBackend) {
    const backend = serviceBackend(defaultBackend);
    if (typeof backend === 'string') skipped.push(`defaultBackend: ${backend}`);
    else rules.push({ ...base, host: null, path: '/', pathType: 'Prefix', ...backend, defaultBackend: true });
  }

  for (const [i, rule] of (ingress.spec?.rules ?? []).entries()) {
    const where = `rules[${i}]`;
    const host = rule.host ? rule.host.toLowerCase() : null;
    if (host !== null && !HOST.test(host)) {
      skipped.push(`${where}: host ${JSON.stringify(rule.host)} is not a DNS name or *.wildcard`);
      continue;
    }
    const paths = rule.http?.paths ?? [];
    if (paths.length === 0) {
      skipped.push(`${where}: no http paths`);
      continue;
    }
    for (const [j, p] of paths.entries()) {
      const at = `${where}.http.paths[${j}]`;
      const pathType = p.pathType as PathType;
      if (!PATH_TYPES.includes(pathType)) {
        skipped.push(`${at}: pathType ${JSON.stringify(p.pathType)} is not one of ${PATH_TYPES.join(', ')}`);
        continue;
      }
      const path = p.path ?? '/';
      if (!path.startsWith('/')) {
        skipped.push(`${at}: path ${JSON.stringify(path)} does not start with "/"`);
        continue;
      }
      const backend = serviceBackend(p.backend);
      if (typeof backend === 'string') {
        skipped.push(`${at}: ${backend}`);
        continue;
      }
      rules.push({ ...base, host, path, pathType, ...backend });
    }
  }
  const tls: IngressTls[] = [];
  for (const [i, t] of (ingress.spec?.tls ?? []).entries()) {
    if (!t.secretName) skipped.push(`tls[${i}]: no secretName`);
    else tls.push({ namespace, secret: t.secretName, hosts: (t.hosts ?? []).map((h) => h.toLowerCase()).filter((h) => HOST.test(h)) });
  }
  return { rules, tls, skipped };
}

type Backend = NonNullable<NonNullable<V1Ingress['spec']>['defaultBackend']>;

/** service name and port, or why the backend cannot be used */
function serviceBackend(backend: Backend | undefined): Pick<IngressRule, 'service' | 'port'> | string {
  if (!backend) return 'no backend';
  if (backend.resource) return `resource backend ${backend.resource.kind}/${backend.resource.name} is not supported, only service backends`;
  const service = backend.service;
  if (!service?.name) return 'backend has no service name';
  const port = service.port?.number ?? service.port?.name;
  if (port === undefined || port === '') return `service ${service.name} has no port number or name`;
  return { service: service.name, port };
}
