import { HOST_ROLES, type HostRole } from '@corral/contracts';
import { normalizeSha256Fingerprint, parseLabels as parseLabelList, serverUrlProblem } from '@corral/domain';
import { Command, CommanderError, Option } from 'commander';
import net from 'node:net';
import os from 'node:os';

export interface AgentConfig {
  server: URL;
  /** PEM file of the CA that signed the server's certificate (else the system's CAs) */
  caFile: string | null;
  /** "sha256:<hex>" of that CA: fetched from the server once, checked, then kept in the state dir */
  caFingerprint: string | null;
  /** plain http:// accepted (loopback development only) */
  insecureHttp: boolean;
  /** registration token; only needed until the host has an identity */
  token: string | null;
  stateDir: string;
  binDir: string;
  address: string;
  hostname: string;
  labels: Record<string, string>;
  roles: HostRole[];
  stopComponentsOnExit: boolean;
  heartbeatIntervalMs: number;
  /** seconds the server may hold a desired-state long-poll */
  pollWaitSeconds: number;
  logLevel: string;
}

/** A bad flag or variable; the message names it. Exit code 2. */
export class ConfigError extends Error {}

export interface ConfigSources {
  argv: string[];
  env: Record<string, string | undefined>;
  /** host facts used for defaults; injectable for tests */
  defaultHostname?: () => string;
  defaultAddress?: () => string | null;
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const ENV_VARS: Record<string, string> = {
  server: 'CORRAL_SERVER',
  caFile: 'CORRAL_CA_FILE',
  caFingerprint: 'CORRAL_CA_FINGERPRINT',
  insecureHttp: 'CORRAL_INSECURE_HTTP',
  token: 'CORRAL_TOKEN',
  stateDir: 'CORRAL_STATE_DIR',
  binDir: 'CORRAL_BIN_DIR',
  address: 'CORRAL_ADDRESS',
  hostname: 'CORRAL_HOSTNAME',
  labels: 'CORRAL_LABELS',
  roles: 'CORRAL_ROLES',
  stopComponentsOnExit: 'CORRAL_STOP_COMPONENTS_ON_EXIT',
  heartbeatInterval: 'CORRAL_HEARTBEAT_INTERVAL',
  pollWait: 'CORRAL_POLL_WAIT',
  logLevel: 'CORRAL_LOG_LEVEL',
};

const BOOLEAN_OPTIONS = new Set(['stopComponentsOnExit', 'insecureHttp']);

const OPTIONS: Array<[flags: string, description: string, defaultValue?: string]> = [
  ['--server <url>', 'Corral server URL (https://)'],
  ['--ca-file <file>', "PEM file of the CA that signed the server's certificate (default: the system's CAs)"],
  ['--ca-fingerprint <sha256>', "SHA-256 fingerprint of the server's CA (as the registration command gives it): the CA is fetched once, checked and kept"],
  ['--insecure-http', 'accept a plain http:// server on the loopback (development only; tokens and credentials cross unencrypted)'],
  ['--token <token>', 'registration token (first start only)'],
  ['--state-dir <dir>', 'identity, credential, component data and logs', '/var/lib/corral-agent'],
  ['--bin-dir <dir>', 'the only directory component binaries are taken from', '/opt/corral/bin'],
  ['--address <ip>', 'this host address as other hosts reach it (default: first non-loopback IPv4)'],
  ['--hostname <name>', 'host name, also the Kubernetes node name (default: os hostname)'],
  ['--labels <k=v,...>', 'host labels'],
  ['--roles <roles>', `comma-separated roles: ${HOST_ROLES.join(',')}`],
  ['--stop-components-on-exit', 'stop every component when the agent stops (default: leave them running)'],
  ['--heartbeat-interval <duration>', 'status report interval, e.g. 5s, 500ms, 1m', '5s'],
  ['--poll-wait <duration>', 'how long the server may hold a desired-state poll', '30s'],
  ['--log-level <level>', 'trace|debug|info|warn|error', 'info'],
];

/** "--state-dir <dir>" -> "stateDir" */
function optionKey(flags: string): string {
  return flags
    .split(' ')[0]
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Parses and validates flags (falling back to CORRAL_* variables) once, at start. */
export function parseAgentConfig(sources: ConfigSources): AgentConfig {
  const program = new Command('corral-agent')
    .description('Corral host agent: registers this host, pulls its desired state and supervises its components')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
    .allowExcessArguments(false);
  for (const [flags, description, defaultValue] of OPTIONS) {
    const option = new Option(flags, `${description} [env ${ENV_VARS[optionKey(flags)]}]`);
    if (defaultValue !== undefined) option.default(defaultValue);
    program.addOption(option);
  }

  try {
    program.parse(sources.argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') throw new HelpRequested(program.helpInformation());
      throw new ConfigError(err.message.replace(/^error: /, ''));
    }
    throw err;
  }
  const o = program.opts<Record<string, string | boolean | undefined>>();
  // a flag on the command line wins over its CORRAL_* variable, which wins over the default
  for (const [key, envName] of Object.entries(ENV_VARS)) {
    const fromEnv = sources.env[envName];
    if (program.getOptionValueSource(key) !== 'cli' && fromEnv !== undefined && fromEnv !== '') {
      o[key] = BOOLEAN_OPTIONS.has(key) ? ['1', 'true', 'yes'].includes(fromEnv.toLowerCase()) : fromEnv;
    }
  }

  const server = parseServer(o.server as string | undefined);
  const insecureHttp = o.insecureHttp === true;
  const urlProblem = serverUrlProblem(server, { insecureHttp });
  if (urlProblem) throw new ConfigError(urlProblem);
  const caFile = nonEmpty(o.caFile as string | undefined);
  const caFingerprintRaw = nonEmpty(o.caFingerprint as string | undefined);
  const caFingerprint = caFingerprintRaw === null ? null : normalizeSha256Fingerprint(caFingerprintRaw);
  if (caFingerprintRaw !== null && caFingerprint === null) throw new ConfigError(`--ca-fingerprint: ${JSON.stringify(caFingerprintRaw)} is not a SHA-256 fingerprint (sha256:<64 hex digits>)`);
  if (caFile && caFingerprint) throw new ConfigError('--ca-file and --ca-fingerprint: give one of them');
  if ((caFile || caFingerprint) && server.protocol !== 'https:') throw new ConfigError('--ca-file / --ca-fingerprint: the server URL is not https://');
  const hostnameRaw = (o.hostname as string | undefined) ?? (sources.defaultHostname ?? os.hostname)().toLowerCase();
  if (!DNS_SUBDOMAIN.test(hostnameRaw)) {
    throw new ConfigError(`--hostname: ${JSON.stringify(hostnameRaw)} is not a valid Kubernetes node name (lowercase RFC 1123 subdomain)`);
  }
  const address = (o.address as string | undefined) ?? (sources.defaultAddress ?? firstExternalIPv4)();
  if (!address) throw new ConfigError('--address: required (no non-loopback IPv4 address found to default to)');
  if (net.isIP(address) === 0) throw new ConfigError(`--address: ${JSON.stringify(address)} is not an IP address`);

  return {
    server,
    caFile,
    caFingerprint,
    insecureHttp,
    token: nonEmpty(o.token as string | undefined),
    stateDir: requireNonEmpty('--state-dir', o.stateDir as string),
    binDir: requireNonEmpty('--bin-dir', o.binDir as string),
    address,
    hostname: hostnameRaw,
    labels: parseLabels(o.labels as string | undefined),
    roles: parseRoles(o.roles as string | undefined),
    stopComponentsOnExit: o.stopComponentsOnExit === true || o.stopComponentsOnExit === 'true',
    heartbeatIntervalMs: parseDurationFlag('--heartbeat-interval', o.heartbeatInterval as string, 100),
    pollWaitSeconds: Math.max(1, Math.round(parseDurationFlag('--poll-wait', o.pollWait as string, 1000) / 1000)),
    logLevel: parseLogLevel(o.logLevel as string),
  };
}

export class HelpRequested extends Error {}

function nonEmpty(value: string | undefined): string | null {
  return value && value.trim() !== '' ? value.trim() : null;
}

function requireNonEmpty(flag: string, value: string | undefined): string {
  const v = nonEmpty(value);
  if (!v) throw new ConfigError(`${flag}: must not be empty`);
  return v;
}

function parseServer(value: string | undefined): URL {
  if (!value) throw new ConfigError('--server: required (or CORRAL_SERVER)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--server: ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--server: must be an http:// or https:// URL`);
  if (url.username || url.password) throw new ConfigError('--server: must not carry credentials');
  return url;
}

/** `--labels k=v,k2=v2`: the same label syntax as the server and the CLI (libs/domain parseLabels). */
export function parseLabels(value: string | undefined): Record<string, string> {
  if (!value) return {};
  try {
    return parseLabelList(value);
  } catch (err) {
    throw new ConfigError(`--labels: ${(err as Error).message}`);
  }
}

export function parseRoles(value: string | undefined): HostRole[] {
  if (!value || value.trim() === '') return [];
  const roles = new Set<HostRole>();
  for (const raw of value.split(',')) {
    const role = raw.trim();
    if (!(HOST_ROLES as readonly string[]).includes(role)) {
      throw new ConfigError(`--roles: ${JSON.stringify(role)} is not one of ${HOST_ROLES.join(', ')}`);
    }
    roles.add(role as HostRole);
  }
  return [...roles];
}

/** "5s", "500ms", "1m", "1.5s" or a bare number of seconds, in milliseconds. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) return null;
  const n = Number(match[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(n * unit);
}

function parseDurationFlag(flag: string, value: string, minMs: number): number {
  const ms = parseDuration(value);
  if (ms === null) throw new ConfigError(`${flag}: ${JSON.stringify(value)} is not a duration (e.g. 5s, 500ms, 1m)`);
  if (ms < minMs) throw new ConfigError(`${flag}: must be at least ${minMs}ms`);
  return ms;
}

function parseLogLevel(value: string): string {
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  if (!levels.includes(value)) throw new ConfigError(`--log-level: ${JSON.stringify(value)} is not one of ${levels.join(', ')}`);
  return value;
}

function firstExternalIPv4(): string | null {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}
