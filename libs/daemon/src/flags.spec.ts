import { FlagError, formatUsage, HelpRequested, LOG_LEVEL_FLAGS, parseFlags, parseIpAddress, parseLogLevel, parsePort, requireFlag, type FlagDef } from './flags';

const FLAGS: FlagDef[] = [
  { name: 'name', value: 'text', help: 'a name (required)' },
  { name: 'item', value: 'x', help: 'an item', repeated: true },
  { name: 'port', value: 'port', help: 'a port', default: '80' },
  ...LOG_LEVEL_FLAGS,
];
const parse = (argv: string[]) => parseFlags(argv, FLAGS, () => 'the usage');

function flagError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FlagError);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('parseFlags', () => {
  it('takes --name=value and --name value; the last of a repeated flag wins, all keeps every one', () => {
    const flags = parse(['--name=a', '--item', '1', '--name', 'b', '--item=2', '--item=']);
    expect(flags.last('name')).toBe('b');
    expect(flags.all('item')).toEqual(['1', '2', '']);
    expect(flags.all('port')).toEqual([]);
    expect(flags.last('port')).toBeUndefined();
  });

  it('falls back to the default in get only', () => {
    expect(parse([]).get('port')).toBe('80');
    expect(parse(['--port=8080']).get('port')).toBe('8080');
    expect(parse([]).get('name')).toBeUndefined();
  });

  it('takes a value with = and one that starts with a single dash', () => {
    expect(parse(['--name=a=b']).last('name')).toBe('a=b');
    expect(parse(['--name', '-1']).last('name')).toBe('-1');
  });

  it('answers -h and --help with the usage text, wherever they stand', () => {
    expect(() => parse(['--help'])).toThrow(HelpRequested);
    expect(() => parse(['--name=a', '-h'])).toThrow('the usage');
    expect(() => parse(['--nope', '--help'])).toThrow(FlagError);
  });

  it('rejects unknown flags, arguments and flags without a value, naming them', () => {
    expect(flagError(() => parse(['--names=a']))).toBe('unknown flag: --names');
    expect(flagError(() => parse(['-name=a']))).toBe('unexpected argument "-name=a": this command takes flags only');
    expect(flagError(() => parse(['extra']))).toBe('unexpected argument "extra": this command takes flags only');
    expect(flagError(() => parse(['--']))).toBe('unexpected argument "--": this command takes flags only');
    expect(flagError(() => parse(['--name']))).toBe('flag needs an argument: --name');
    expect(flagError(() => parse(['--name', '--port=1']))).toBe('flag needs an argument: --name');
  });
});

describe('formatUsage', () => {
  it('lists every flag with its default, repeatable ones marked, help text at the column', () => {
    const text = formatUsage({ synopsis: 'Usage: cmd [flags]', description: ['Does things.'], flags: FLAGS, column: 20 });
    expect(text).toBe(
      [
        'Usage: cmd [flags]',
        '',
        'Does things.',
        '',
        'Flags (--name=value or --name value):',
        '  --name=<text>      a name (required)',
        '  --item=<x>         an item [repeatable]',
        '  --port=<port>      a port (default 80)',
        '  --v=<level>        klog-style verbosity: 0-1 info, 2-4 debug, 5+ trace (default 0)',
        '  --log-level=<level> trace|debug|info|warn|error|fatal; overrides --v',
        '  -h, --help         this text',
        '',
      ].join('\n'),
    );
  });
});

describe('value parsers', () => {
  it('requireFlag: missing or blank is required, else the value as given', () => {
    expect(flagError(() => requireFlag('name', undefined))).toBe('--name: required');
    expect(flagError(() => requireFlag('name', ' '))).toBe('--name: required');
    expect(requireFlag('name', ' a ')).toBe(' a ');
  });

  it('parseIpAddress: IPv4 or IPv6', () => {
    expect(parseIpAddress('bind-address', '10.0.0.1')).toBe('10.0.0.1');
    expect(parseIpAddress('bind-address', '::1')).toBe('::1');
    expect(flagError(() => parseIpAddress('bind-address', '${address}'))).toBe('--bind-address: "${address}" is not an IP address');
  });

  it('parsePort: 1 to 65535 in digits', () => {
    expect(parsePort('port', '65535')).toBe(65535);
    expect(flagError(() => parsePort('port', '0'))).toBe('--port: 0 is not between 1 and 65535');
    expect(flagError(() => parsePort('port', '65536'))).toBe('--port: 65536 is not between 1 and 65535');
    expect(flagError(() => parsePort('port', '-1'))).toBe('--port: "-1" is not a port number');
    expect(flagError(() => parsePort('port', 'ten'))).toBe('--port: "ten" is not a port number');
  });

  it('parseLogLevel: --v 0-1 info, 2-4 debug, 5+ trace; --log-level overrides it but --v is checked', () => {
    const level = (...argv: string[]) => parseLogLevel(parse(argv));
    expect(level()).toBe('info');
    expect(level('--v=1')).toBe('info');
    expect(level('--v=2')).toBe('debug');
    expect(level('--v=4')).toBe('debug');
    expect(level('--v=5')).toBe('trace');
    expect(level('--v=9', '--log-level=warn')).toBe('warn');
    expect(flagError(() => level('--v=-1'))).toBe('--v: "-1" is not a non-negative integer');
    expect(flagError(() => level('--v=x', '--log-level=warn'))).toBe('--v: "x" is not a non-negative integer');
    expect(flagError(() => level('--log-level=loud'))).toBe('--log-level: "loud" is not one of trace, debug, info, warn, error, fatal');
  });
});
