import { FlagError, formatUsage, LOG_LEVEL_FLAGS, parseFlags, parseIpAddress, parseLogLevel, parsePort, requireFlag, type FlagDef, type LogLevel } from '@corral/daemon';
import { PORTS } from '@corral/kube';

export { FlagError, HelpRequested, type LogLevel } from '@corral/daemon';

export interface ControllerConfig {
  kubeconfig: string;
  /** the only address every listener binds */
  bindAddress: string;
  httpPort: number;
  /** HAProxy's HTTPS listener (with --haproxy, once an Ingress has a tls Secret) */
  httpsPort: number;
  healthzPort: number;
  /** null: every Ingress is ours; else only Ingresses of this class or of no class */
  ingressClass: string | null;
  logLevel: LogLevel;
  /** HAProxy's binary: when set, HAProxy serves the http port and routes to the Services' endpoints */
  haproxy: string | null;
  /** where the HAProxy configuration, map files and sockets are written */
  runDir: string | null;
}

/**
 * The interface the catalog (libs/kube build-ingress-controller.ts, upstream-flags.ts
 * CORRAL_INGRESS_CONTROLLER) starts this binary with, plus --log-level. Defaults follow the
 * catalog's PORTS and ingress-nginx.
 */
const FLAGS: FlagDef[] = [
  { name: 'kubeconfig', value: 'path', help: 'kubeconfig with the apiserver URL, its CA and this controller\'s client certificate (required)' },
  { name: 'bind-address', value: 'ip', help: 'the only address the HTTP, HTTPS and health listeners bind', default: '0.0.0.0' },
  { name: 'http-port', value: 'port', help: 'port of the plain HTTP listener', default: String(PORTS.ingressHttp) },
  { name: 'https-port', value: 'port', help: 'port of the HTTPS listener (HAProxy, with --haproxy, once an Ingress names a tls Secret)', default: String(PORTS.ingressHttps) },
  { name: 'healthz-port', value: 'port', help: 'port of /healthz and /debug/rules', default: String(PORTS.ingressHealthz) },
  { name: 'ingress-class', value: 'name', help: 'handle only Ingresses of this class (and those without a class); default: all' },
  { name: 'haproxy', value: 'path', help: 'run this HAProxy binary as the load balancer on the http port (without it, the http port only answers 404/503 by the rules)' },
  { name: 'run-dir', value: 'path', help: 'directory for the HAProxy configuration, map files and sockets (required with --haproxy)' },
  ...LOG_LEVEL_FLAGS,
];

const INGRESS_CLASS = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function usage(): string {
  return formatUsage({
    synopsis: 'Usage: corral-ingress-controller --kubeconfig=<path> [flags]',
    description: ['Watches networking.k8s.io/v1 Ingresses and keeps their rules; serves /healthz and /debug/rules.'],
    flags: FLAGS,
    column: 30,
  });
}

/** Reads argv (without node and script) into the validated configuration; throws FlagError. */
export function parseControllerFlags(argv: readonly string[]): ControllerConfig {
  const flags = parseFlags(argv, FLAGS, usage);
  const kubeconfig = requireFlag('kubeconfig', flags.last('kubeconfig'));
  const bindAddress = parseIpAddress('bind-address', flags.get('bind-address')!);

  const httpPort = parsePort('http-port', flags.get('http-port')!);
  const httpsPort = parsePort('https-port', flags.get('https-port')!);
  const healthzPort = parsePort('healthz-port', flags.get('healthz-port')!);
  const ports: Array<[string, number]> = [
    ['http-port', httpPort],
    ['https-port', httpsPort],
    ['healthz-port', healthzPort],
  ];
  for (const [i, [name, port]] of ports.entries()) {
    const clash = ports.slice(i + 1).find(([, other]) => other === port);
    if (clash) throw new FlagError(`--${name} and --${clash[0]} are both ${port}; each listener needs its own port`);
  }

  const ingressClassRaw = flags.last('ingress-class');
  if (ingressClassRaw !== undefined && !INGRESS_CLASS.test(ingressClassRaw)) {
    throw new FlagError(`--ingress-class: ${JSON.stringify(ingressClassRaw)} is not a valid IngressClass name (lowercase RFC 1123 subdomain)`);
  }

  const haproxy = flags.last('haproxy') || null;
  const runDir = flags.last('run-dir') || null;
  if (haproxy !== null && runDir === null) throw new FlagError('--run-dir: required with --haproxy');
  // HAProxy's master and runtime sockets live there, and a unix socket path has at most 107 bytes
  if (runDir !== null && runDir.length > 80) throw new FlagError(`--run-dir: too long (${runDir.length} characters, at most 80, for the sockets in it)`);

  return {
    kubeconfig,
    bindAddress,
    httpPort,
    httpsPort,
    healthzPort,
    ingressClass: ingressClassRaw ?? null,
    logLevel: parseLogLevel(flags),
    haproxy,
    runDir,
  };
}

