import { CommandError, describeFailure, formatCommand, processRunner, runChecked } from './command';

describe('describeFailure', () => {
  it('names the command and carries its stderr on one line', () => {
    const argv = ['ip', 'route', 'replace', '10.42.2.0/24', 'via', '192.0.2.1', 'proto', '250'];
    expect(describeFailure(argv, { code: 2, stdout: '', stderr: 'Error: Nexthop has invalid gateway.\n' })).toBe(
      '`ip route replace 10.42.2.0/24 via 192.0.2.1 proto 250` exited 2: Error: Nexthop has invalid gateway.',
    );
  });

  it('quotes arguments with spaces and leaves out iptables-nft warnings', () => {
    const argv = ['iptables', '-t', 'nat', '-A', 'X', '-m', 'comment', '--comment', "corral's pod network", '-j', 'MASQUERADE'];
    const stderr = '# Warning: iptables-legacy tables present, use iptables-legacy to see them\niptables: No chain/target/match by that name.\n';
    expect(describeFailure(argv, { code: 1, stdout: '', stderr })).toBe(
      "`iptables -t nat -A X -m comment --comment 'corral'\\''s pod network' -j MASQUERADE` exited 1: iptables: No chain/target/match by that name.",
    );
    expect(formatCommand(['a b', 'c'])).toBe("'a b' c");
  });
});

describe('processRunner', () => {
  const run = processRunner(2_000);

  it('returns exit code and output', async () => {
    expect(await run(['sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('reports a command that cannot start instead of rejecting', async () => {
    const result = await run(['/nonexistent/corral-no-such-command']);
    expect(result).toMatchObject({ code: null, stderr: 'cannot run /nonexistent/corral-no-such-command: ENOENT' });
  });

  it('kills a command that runs past the timeout', async () => {
    const result = await processRunner(200)(['sleep', '5']);
    expect(result.code).toBeNull();
    expect(result.stderr).toContain('killed after 200ms');
  });

  it('runChecked throws a CommandError naming the command', async () => {
    await expect(runChecked(run, ['sh', '-c', 'echo nope >&2; exit 1'])).rejects.toThrow(new CommandError(['sh', '-c', 'echo nope >&2; exit 1'], { code: 1, stdout: '', stderr: 'nope\n' }).message);
    await expect(runChecked(run, ['echo', 'fine'])).resolves.toBe('fine\n');
  });
});
