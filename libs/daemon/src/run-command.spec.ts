import { FlagError, HelpRequested } from './flags';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, runCommand, stopRequested } from './run-command';

describe('runCommand', () => {
  let exit: jest.SpyInstance;
  let stdout: jest.SpyInstance;
  let stderr: jest.SpyInstance;

  beforeEach(() => {
    exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => jest.restoreAllMocks());

  const written = (spy: jest.SpyInstance) => spy.mock.calls.map(([text]) => String(text)).join('');

  it('runs main with the configuration and exits with its code', async () => {
    const main = jest.fn(async (config: { port: number }) => config.port);
    await runCommand('cmd', (argv) => ({ port: argv.length }), main, ['--a', '--b', '--c']);
    expect(main).toHaveBeenCalledWith({ port: 3 });
    expect(exit).toHaveBeenCalledWith(3);
  });

  it('prints the usage on stdout for --help and exits 0 without running main', async () => {
    const main = jest.fn(async () => 7);
    await runCommand('cmd', () => { throw new HelpRequested('Usage: cmd\n'); }, main, ['--help']);
    expect(written(stdout)).toBe('Usage: cmd\n');
    expect(main).not.toHaveBeenCalled();
    expect(exit).toHaveBeenCalledWith(EXIT_OK);
  });

  it('exits 2 for a bad flag, naming the command and --help on stderr', async () => {
    await runCommand('cmd', () => { throw new FlagError('unknown flag: --x'); }, async () => 0, ['--x=1']);
    expect(written(stderr)).toBe("cmd: unknown flag: --x\nRun 'cmd --help' for usage.\n");
    expect(exit).toHaveBeenCalledWith(EXIT_USAGE);
  });

  it('exits 1 with the stack of anything else thrown, by parse or main', async () => {
    await runCommand('cmd', () => { throw new TypeError('boom'); }, async () => 0, []);
    expect(written(stderr)).toMatch(/^cmd: TypeError: boom\n {4}at /);
    expect(exit).toHaveBeenLastCalledWith(EXIT_FAILURE);

    await runCommand('cmd', () => ({}), async () => { throw 'not an error'; }, []);
    expect(written(stderr)).toContain('cmd: not an error\n');
    expect(exit).toHaveBeenLastCalledWith(EXIT_FAILURE);
  });
});

describe('stopRequested', () => {
  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };

  afterEach(() => {
    jest.restoreAllMocks();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener);
    }
  });

  it('resolves with the first SIGTERM or SIGINT; a second one exits 130', async () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const stop = stopRequested();
    process.emit('SIGINT');
    await expect(stop).resolves.toBe('SIGINT');
    expect(exit).not.toHaveBeenCalled();
    process.emit('SIGTERM');
    expect(exit).toHaveBeenCalledWith(EXIT_INTERRUPTED);
  });
});
