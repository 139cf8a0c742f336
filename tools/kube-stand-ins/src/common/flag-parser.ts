import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';

/** Value kinds of upstream (spf13/pflag) flags that the stand-ins accept. */
export type FlagType =
  | 'string'
  | 'bool'
  | 'int'
  | 'float'
  | 'duration'
  | 'ip'
  /** comma-separated, repeated flags append (pflag StringSlice) */
  | 'stringSlice'
  /** repeated flags append, no comma splitting (pflag StringArray) */
  | 'stringArray'
  /** k=v,k2=v2, repeated flags merge (mapStringString / mapStringBool) */
  | 'map';

export interface FlagDef {
  name: string;
  type: FlagType;
  /** the value when the flag is not given (already parsed form) */
  default?: FlagValue;
  /** the value names a file that must exist and be readable when the flag is given */
  file?: boolean;
  required?: boolean;
}

export type FlagValue = string | boolean | number | string[] | Record<string, string>;

export class FlagError extends Error {}

export interface ParsedFlags {
  /** values of flags given on the command line or with a default */
  readonly values: ReadonlyMap<string, FlagValue>;
  /** names given explicitly on the command line */
  readonly set: ReadonlySet<string>;
  readonly help: boolean;
  readonly version: boolean;
  str(name: string): string;
  bool(name: string): boolean;
  int(name: string): number;
  /** duration flags in milliseconds */
  ms(name: string): number;
  list(name: string): string[];
  map(name: string): Record<string, string>;
  isSet(name: string): boolean;
}

const GLOBAL_FLAGS: FlagDef[] = [
  { name: 'help', type: 'bool' },
  // kube binaries accept --version, --version=raw and --version=true
  { name: 'version', type: 'string' },
];

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration string ("10s", "1m30s", "250ms") into milliseconds. */
export function parseGoDuration(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  if (body.length === 0) throw new FlagError(`time: invalid duration "${text}"`);
  let match: RegExpExecArray | null;
  while ((match = re.exec(body)) !== null) {
    total += Number(match[1]) * DURATION_UNITS[match[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== body.length) throw new FlagError(`time: invalid duration "${text}"`);
  return sign * total;
}

function convert(def: FlagDef, raw: string, previous: FlagValue | undefined, wasSet: boolean): FlagValue {
  const bad = (why: string) => new FlagError(`invalid argument "${raw}" for "--${def.name}" flag: ${why}`);
  switch (def.type) {
    case 'string':
      return raw;
    case 'bool':
      if (TRUE.has(raw)) return true;
      if (FALSE.has(raw)) return false;
      throw bad(`strconv.ParseBool: parsing "${raw}": invalid syntax`);
    case 'int':
      if (!/^[-+]?\d+$/.test(raw)) throw bad(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
      return Number(raw);
    case 'float':
      if (raw.trim() === '' || Number.isNaN(Number(raw))) throw bad(`strconv.ParseFloat: parsing "${raw}": invalid syntax`);
      return Number(raw);
    case 'duration':
      try {
        return parseGoDuration(raw);
      } catch (e) {
        throw bad((e as Error).message);
      }
    case 'ip':
      if (raw !== '' && isIP(raw) === 0) throw bad(`failed to parse IP: "${raw}"`);
      return raw;
    case 'stringSlice': {
      const items = raw === '' ? [] : raw.split(',').map((s) => s.trim());
      return wasSet ? [...((previous as string[]) ?? []), ...items] : items;
    }
    case 'stringArray':
      return wasSet ? [...((previous as string[]) ?? []), raw] : [raw];
    case 'map': {
      const out: Record<string, string> = wasSet ? { ...((previous as Record<string, string>) ?? {}) } : {};
      for (const pair of raw.split(',')) {
        if (pair.trim() === '') continue;
        const eq = pair.indexOf('=');
        if (eq <= 0) throw bad(`${pair} must be formatted as key=value`);
        out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
      return out;
    }
  }
}

/**
 * Parses argv the way upstream Kubernetes binaries do (cobra + pflag): `--flag=value`,
 * `--flag value`, bare `--bool-flag`, single-letter shorthands (`-v=2`, `-v 2`, `-h`).
 * Unknown flags, missing values, malformed values, positional arguments, missing required
 * flags and flag-named files that do not exist are all errors.
 */
export function parseFlags(command: string, defs: readonly FlagDef[], argv: readonly string[]): ParsedFlags {
  const byName = new Map<string, FlagDef>();
  for (const def of [...GLOBAL_FLAGS, ...defs]) byName.set(def.name, def);
  const values = new Map<string, FlagValue>();
  const set = new Set<string>();
  const positional: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length > 1 && arg !== '-') {
      const short = arg[1];
      name = short === 'h' ? 'help' : short;
      const rest = arg.slice(2);
      if (!byName.has(name)) throw new FlagError(`unknown shorthand flag: '${short}' in ${arg}`);
      inline = rest === '' ? undefined : rest.replace(/^=/, '');
    } else {
      positional.push(arg);
      continue;
    }
    const def = byName.get(name);
    if (!def) throw new FlagError(`unknown flag: --${name}`);
    let raw: string;
    if (inline !== undefined) {
      raw = inline;
    } else if (def.type === 'bool') {
      raw = 'true';
    } else if (def.name === 'version') {
      raw = 'true';
    } else {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: --${name}`);
      raw = argv[++i];
    }
    values.set(name, convert(def, raw, values.get(name), set.has(name)));
    set.add(name);
  }

  if (positional.length > 0) {
    throw new FlagError(`"${command}" does not take any arguments, got ${JSON.stringify(positional)}`);
  }
  const help = values.get('help') === true;
  const version = set.has('version') && values.get('version') !== 'false';
  if (!help && !version) {
    for (const def of defs) {
      if (def.required && !set.has(def.name)) throw new FlagError(`--${def.name} must be specified`);
      if (!def.file || !set.has(def.name)) continue;
      const v = values.get(def.name);
      for (const path of Array.isArray(v) ? v : [v]) {
        if (typeof path !== 'string' || path === '') continue;
        try {
          accessSync(path, constants.R_OK);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw new FlagError(`--${def.name}: open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code}`);
        }
      }
    }
  }
  for (const def of defs) if (!values.has(def.name) && def.default !== undefined) values.set(def.name, def.default);

  const get = (name: string): FlagValue | undefined => {
    if (!byName.has(name)) throw new Error(`flag --${name} is not defined for ${command}`);
    return values.get(name);
  };
  return {
    values,
    set,
    help,
    version,
    str: (n) => (get(n) as string | undefined) ?? '',
    bool: (n) => (get(n) as boolean | undefined) ?? false,
    int: (n) => (get(n) as number | undefined) ?? 0,
    ms: (n) => (get(n) as number | undefined) ?? 0,
    list: (n) => [...((get(n) as string[] | undefined) ?? [])],
    map: (n) => ({ ...((get(n) as Record<string, string> | undefined) ?? {}) }),
    isSet: (n) => set.has(n),
  };
}

/** One line per flag, for --help. */
export function flagUsage(command: string, defs: readonly FlagDef[]): string {
  const lines = defs.map((d) => `      --${d.name}${d.type === 'bool' ? '' : ` ${d.type}`}${d.default !== undefined ? `  (default ${JSON.stringify(d.default)})` : ''}`);
  return `Usage:\n  ${command} [flags]\n\nFlags:\n${lines.join('\n')}\n  -h, --help\n      --version\n`;
}
