import { isIP } from 'node:net';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** A bad command line; the message names the flag. Exit code 2. */
export class FlagError extends Error {}

/** --help was given; the message is the usage text. Exit code 0. */
export class HelpRequested extends Error {}

export interface FlagDef {
  name: string;
  /** what the value is, shown as --name=<value> */
  value: string;
  help: string;
  default?: string;
  /** shown as [repeatable]; every flag may be given more than once (see ParsedFlags) */
  repeated?: boolean;
}

/** --v and --log-level, the last flags of every daemon; read them with parseLogLevel */
export const LOG_LEVEL_FLAGS: readonly FlagDef[] = [
  { name: 'v', value: 'level', help: 'klog-style verbosity: 0-1 info, 2-4 debug, 5+ trace', default: '0' },
  { name: 'log-level', value: 'level', help: 'trace|debug|info|warn|error|fatal; overrides --v' },
];

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export interface UsageText {
  /** the first line, "Usage: <command> ..." */
  synopsis: string;
  /** the lines between the synopsis and the flags */
  description: readonly string[];
  flags: readonly FlagDef[];
  /** width of the flag column; each flag's help follows it after a space */
  column: number;
}

export function formatUsage({ synopsis, description, flags, column }: UsageText): string {
  const lines = flags.map(
    (f) => `  --${f.name}=<${f.value}>`.padEnd(column) + ` ${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''}${f.repeated ? ' [repeatable]' : ''}`,
  );
  return [synopsis, '', ...description, '', 'Flags (--name=value or --name value):', ...lines, '  -h, --help'.padEnd(column) + ' this text', ''].join('\n');
}

/** The flags of one command line, as given. */
export interface ParsedFlags {
  /** the last value given (the last of a repeated single-valued flag wins, as with pflag) */
  last(name: string): string | undefined;
  /** every value given, in order */
  all(name: string): string[];
  /** the last value given, else the flag's default */
  get(name: string): string | undefined;
}

/**
 * Reads argv (without node and script) pflag-style: --name=value or --name value, flags only.
 * Throws HelpRequested with usage() for -h or --help, and FlagError for anything else than
 * known flags with values.
 */
export function parseFlags(argv: readonly string[], flags: readonly FlagDef[], usage: () => string): ParsedFlags {
  const byName = new Map(flags.map((f) => [f.name, f]));
  const given = new Map<string, string[]>();
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
    given.set(name, [...(given.get(name) ?? []), value]);
  }
  return {
    last: (name) => given.get(name)?.at(-1),
    all: (name) => [...(given.get(name) ?? [])],
    get: (name) => given.get(name)?.at(-1) ?? byName.get(name)!.default,
  };
}

/** The value of a required flag; missing or blank: FlagError. */
export function requireFlag(name: string, raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') throw new FlagError(`--${name}: required`);
  return raw;
}

export function parseIpAddress(name: string, raw: string): string {
  if (isIP(raw) === 0) throw new FlagError(`--${name}: ${JSON.stringify(raw)} is not an IP address`);
  return raw;
}

export function parsePort(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new FlagError(`--${name}: ${JSON.stringify(raw)} is not a port number`);
  const port = Number(raw);
  if (port < 1 || port > 65535) throw new FlagError(`--${name}: ${port} is not between 1 and 65535`);
  return port;
}

/** --log-level if given, else from --v (LOG_LEVEL_FLAGS); --v is checked either way. */
export function parseLogLevel(flags: ParsedFlags): LogLevel {
  const verbosity = flags.get('v')!;
  const logLevel = flags.last('log-level');
  if (!/^\d+$/.test(verbosity)) throw new FlagError(`--v: ${JSON.stringify(verbosity)} is not a non-negative integer`);
  if (logLevel !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new FlagError(`--log-level: ${JSON.stringify(logLevel)} is not one of ${LOG_LEVELS.join(', ')}`);
    return logLevel as LogLevel;
  }
  const v = Number(verbosity);
  return v >= 5 ? 'trace' : v >= 2 ? 'debug' : 'info';
}
