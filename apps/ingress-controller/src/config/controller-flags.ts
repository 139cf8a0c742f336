import { PORTS } from '@corral/kube';
import { isIP } from 'node:net';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface ControllerConfig {
  kubeconfig: string;
  /** the only address every listener binds */
  bindAddress: string;
  httpPort: number;
  /** accepted and validated; nothing listens on it until TLS termination exists */
  httpsPort: number;
  healthzPort: number;
  /** null: every Ingress is ours; else only Ingresses of this class or of no class */
  ingressClass: string | null;
  logLevel: LogLevel;
}

/** A bad command line; the message names the flag. Exit code 2. */
export class FlagError extends Error {}

/** --help was given; the message is the usage text. Exit code 0. */
export class HelpRequested extends Error {}

interface FlagDef {
  name: string;
  value: string;
  help: string;
  default?: string;
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
  { name: 'https-port', value: 'port', help: 'port of the HTTPS listener (reserved: TLS termination is not implemented yet)', default: String(PORTS.ingressHttps) },
  { name: 'healthz-port', value: 'port', help: 'port of /healthz and /debug/rules', default: String(PORTS.ingressHealthz) },
  { name: 'ingress-class', value: 'name', help: 'handle only Ingresses of this class (and those without a class); default: all' },
  { name: 'v', value: 'level', help: 'klog-style verbosity: 0-1 info, 2-4 debug, 5+ trace', default: '0' },
  { name: 'log-level', value: 'level', help: 'trace|debug|info|warn|error|fatal; overrides --v' },
];

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const INGRESS_CLASS = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function usage(): string {
  const lines = FLAGS.map((f) => `  --${f.name}=<${f.value}>`.padEnd(30) + ` ${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''}`);
  return [
    'Usage: corral-ingress-controller --kubeconfig=<path> [flags]',
    '',
    'Watches networking.k8s.io/v1 Ingresses and keeps their rules; serves /healthz and /debug/rules.',
    '',
    'Flags (--name=value or --name value):',
    ...lines,
    '  -h, --help'.padEnd(30) + ' this text',
    '',
  ].join('\n');
}

/** Reads argv (without node and script) into the validated configuration; throws FlagError. */
export function parseControllerFlags(argv: readonly string[]): ControllerConfig {
  const byName = new Map(FLAGS.map((f) => [f.name, f]));
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new HelpRequested(usage());
    if (!arg.startsWith('--') || arg === '--') throw new FlagError(`unexpected argument ${JSON.stringify(arg)}: this command takes flags only`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!byName.has(name)) throw new FlagError(`unknown flag: --${name}`);
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new FlagError(`flag needs an argument: --${name}`);
      value = next;
      i++;
    }
    given.set(name, value);
  }
  const get = (name: string): string | undefined => given.get(name) ?? byName.get(name)!.default;

  const kubeconfig = given.get('kubeconfig');
  if (kubeconfig === undefined || kubeconfig.trim() === '') throw new FlagError('--kubeconfig: required');

  const bindAddress = get('bind-address')!;
  if (isIP(bindAddress) === 0) throw new FlagError(`--bind-address: ${JSON.stringify(bindAddress)} is not an IP address`);

  const httpPort = parsePort('http-port', get('http-port')!);
  const httpsPort = parsePort('https-port', get('https-port')!);
  const healthzPort = parsePort('healthz-port', get('healthz-port')!);
  const ports: Array<[string, number]> = [
    ['http-port', httpPort],
    ['https-port', httpsPort],
    ['healthz-port', healthzPort],
  ];
  for (const [i, [name, port]] of ports.entries()) {
    const clash = ports.slice(i + 1).find(([, other]) => other === port);
    if (clash) throw new FlagError(`--${name} and --${clash[0]} are both ${port}; each listener needs its own port`);
  }

  const ingressClassRaw = given.get('ingress-class');
  if (ingressClassRaw !== undefined && !INGRESS_CLASS.test(ingressClassRaw)) {
    throw new FlagError(`--ingress-class: ${JSON.stringify(ingressClassRaw)} is not a valid IngressClass name (lowercase RFC 1123 subdomain)`);
  }

  return {
    kubeconfig,
    bindAddress,
    httpPort,
    httpsPort,
    healthzPort,
    ingressClass: ingressClassRaw ?? null,
    logLevel: parseLogLevel(given.get('log-level'), get('v')!),
  };
}

function parsePort(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new FlagError(`--${name}: ${JSON.stringify(raw)} is not a port number`);
  const port = Number(raw);
  if (port < 1 || port > 65535) throw new FlagError(`--${name}: ${port} is not between 1 and 65535`);
  return port;
}

function parseLogLevel(logLevel: string | undefined, verbosity: string): LogLevel {
  if (!/^\d+$/.test(verbosity)) throw new FlagError(`--v: ${JSON.stringify(verbosity)} is not a non-negative integer`);
  if (logLevel !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new FlagError(`--log-level: ${JSON.stringify(logLevel)} is not one of ${LOG_LEVELS.join(', ')}`);
    return logLevel as LogLevel;
  }
  const v = Number(verbosity);
  return v >= 5 ? 'trace' : v >= 2 ? 'debug' : 'info';
}
