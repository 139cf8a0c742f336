import { FlagError, formatUsage, LOG_LEVEL_FLAGS, parseFlags, parseIpAddress, parseLogLevel, parsePort, requireFlag, type FlagDef, type LogLevel } from '@corral/daemon';
import { AddressError, cidrContains, cidrHasAddress, cidrsOverlap, parseCidr, parseIpv4, type Cidr } from '../net/ipv4';
import { parseDuration } from './duration';

export { FlagError, HelpRequested, type LogLevel } from '@corral/daemon';

/** one other worker's pod CIDR and the host address its pods are reached through */
export interface RouteSpec {
  /** canonical IPv4 CIDR, e.g. 10.42.2.0/24 */
  cidr: string;
  /** IPv4 address of that worker host, on this host's link */
  via: string;
}

export interface PodNetworkConfig {
  clusterCidr: string;
  nodeCidr: string;
  /** sorted by CIDR */
  routes: RouteSpec[];
  bindAddress: string;
  healthzPort: number;
  resyncPeriodMs: number;
  /** the iptables command (and so the backend) this daemon uses */
  iptables: string;
  logLevel: LogLevel;
}

/** no upstream port: next to the controller-manager's (libs/kube PORTS.podNetworkHealthz) */
export const DEFAULT_HEALTHZ_PORT = 10258;
export const MIN_RESYNC_MS = 100;

/** The interface the catalog (libs/kube build-pod-network.ts) starts this binary with, and more. */
const FLAGS: FlagDef[] = [
  { name: 'cluster-cidr', value: 'cidr', help: 'the whole pod network, e.g. 10.42.0.0/16 (required)' },
  { name: 'node-cidr', value: 'cidr', help: "this host's pod CIDR on its CNI bridge, e.g. 10.42.1.0/24 (required)" },
  { name: 'route', value: 'cidr=gateway', help: "another worker's pod CIDR and that host's address; repeat for each worker", repeated: true },
  { name: 'bind-address', value: 'ip', help: 'address of the health listener', default: '0.0.0.0' },
  { name: 'healthz-port', value: 'port', help: 'port of /healthz', default: String(DEFAULT_HEALTHZ_PORT) },
  { name: 'resync-period', value: 'duration', help: 'how often routes, sysctls and iptables rules are checked and repaired', default: '5s' },
  { name: 'iptables', value: 'command', help: 'iptables command to use: the one kube-proxy uses here (iptables, iptables-legacy, iptables-nft)', default: 'iptables' },
  ...LOG_LEVEL_FLAGS,
];

export function usage(): string {
  return formatUsage({
    synopsis: 'Usage: corral-pod-network --cluster-cidr=<cidr> --node-cidr=<cidr> [--route=<cidr>=<gateway> ...] [flags]',
    description: [
      "Corral's host-gw pod network on one worker host: routes to the other workers' pod CIDRs, IP",
      'forwarding and bridge netfilter, masquerading of pod traffic that leaves the cluster network.',
      'Serves /healthz. On SIGTERM or SIGINT it removes its routes and iptables rules and exits.',
    ],
    flags: FLAGS,
    column: 32,
  });
}

/** Reads argv (without node and script) into the validated configuration; throws FlagError. */
export function parsePodNetworkFlags(argv: readonly string[]): PodNetworkConfig {
  const flags = parseFlags(argv, FLAGS, usage);
  const cluster = requiredCidr('cluster-cidr', flags.last('cluster-cidr'));
  const node = requiredCidr('node-cidr', flags.last('node-cidr'));
  if (!cidrContains(cluster, node)) throw new FlagError(`--node-cidr: ${node.text} is not inside --cluster-cidr ${cluster.text}`);
  const routes = parseRoutes(flags.all('route'), cluster, node);

  const bindAddress = parseIpAddress('bind-address', flags.get('bind-address')!);
  const healthzPort = parsePort('healthz-port', flags.get('healthz-port')!);

  const resyncRaw = flags.get('resync-period')!;
  const resyncPeriodMs = parseDuration(resyncRaw);
  if (resyncPeriodMs === null) throw new FlagError(`--resync-period: ${JSON.stringify(resyncRaw)} is not a duration (e.g. 5s, 1m, 500ms)`);
  if (resyncPeriodMs < MIN_RESYNC_MS) throw new FlagError(`--resync-period: ${resyncRaw} is shorter than ${MIN_RESYNC_MS}ms`);

  const iptables = flags.get('iptables')!;
  if (iptables === '' || /\s/.test(iptables)) throw new FlagError(`--iptables: ${JSON.stringify(iptables)} is not a command name or path`);

  return {
    clusterCidr: cluster.text,
    nodeCidr: node.text,
    routes,
    bindAddress,
    healthzPort,
    resyncPeriodMs,
    iptables,
    logLevel: parseLogLevel(flags),
  };
}

function requiredCidr(name: string, raw: string | undefined): Cidr {
  try {
    return parseCidr(requireFlag(name, raw));
  } catch (err) {
    if (err instanceof AddressError) throw new FlagError(`--${name}: ${err.message}`);
    throw err;
  }
}

/**
 * Every --route: a block inside the cluster CIDR that overlaps neither this host's pod CIDR nor
 * another route (each worker has its own), via a unicast IPv4 address outside the pod network.
 */
export function parseRoutes(raw: readonly string[], cluster: Cidr, node: Cidr): RouteSpec[] {
  const parsed: Array<{ cidr: Cidr; via: string }> = [];
  for (const value of raw) {
    const eq = value.indexOf('=');
    if (eq < 0) throw new FlagError(`--route: ${JSON.stringify(value)} is not <cidr>=<gateway> (e.g. 10.42.2.0/24=10.0.0.6)`);
    let cidr: Cidr;
    try {
      cidr = parseCidr(value.slice(0, eq));
    } catch (err) {
      if (err instanceof AddressError) throw new FlagError(`--route ${value}: ${err.message}`);
      throw err;
    }
    const via = value.slice(eq + 1);
    const gateway = parseIpv4(via);
    if (gateway === null) throw new FlagError(`--route ${value}: gateway ${JSON.stringify(via)} is not an IPv4 address`);
    const first = gateway >>> 24;
    if (first === 0 || first === 127 || first >= 224) throw new FlagError(`--route ${value}: gateway ${via} is not a unicast host address`);
    if (cidrHasAddress(cluster, gateway)) throw new FlagError(`--route ${value}: gateway ${via} is inside --cluster-cidr ${cluster.text}; it must be the other host's address`);
    if (!cidrContains(cluster, cidr)) throw new FlagError(`--route ${value}: ${cidr.text} is not inside --cluster-cidr ${cluster.text}`);
    if (cidrsOverlap(cidr, node)) throw new FlagError(`--route ${value}: ${cidr.text} overlaps this host's --node-cidr ${node.text}`);
    const clash = parsed.find((other) => cidrsOverlap(other.cidr, cidr));
    if (clash) throw new FlagError(`--route ${value}: ${cidr.text} overlaps --route ${clash.cidr.text}=${clash.via}`);
    parsed.push({ cidr, via });
  }
  return parsed
    .sort((a, b) => a.cidr.network - b.cidr.network || a.cidr.prefix - b.cidr.prefix)
    .map((r) => ({ cidr: r.cidr.text, via: r.via }));
}

