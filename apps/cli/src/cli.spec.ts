import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { runCli } from './cli';
import type { CliIo } from './cli-context';

function fakeIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (t) => void out.push(t), isTTY: false },
    stderr: { write: (t) => void err.push(t), isTTY: false },
    env,
    home: '/nonexistent-home',
    readStdin: async () => '',
    promptSecret: async () => '',
    onInterrupt: () => () => undefined,
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

describe('corral command line', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'corral-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help with the exit codes (0), and usage without a command (3)', async () => {
    const help = fakeIo();
    expect(await runCli(['--help'], help.io)).toBe(0);
    expect(help.out()).toContain('3    usage or authentication error');
    expect(await runCli([], fakeIo().io)).toBe(3);
  });

  it.each([
    [['env', 'create', 'x', '--bogus'], /unknown option '--bogus'/],
    [['env', 'nope'], /unknown command 'nope'/],
    [['env', 'create'], /missing required argument 'name'/],
    [['-o', 'xml', 'env', 'list'], /Allowed choices are table, json, yaml/],
    [['env', 'extend', 'x'], /required option '--ttl <duration>' not specified/],
  ])('refuses %j with exit 3', async (argv, message) => {
    const run = fakeIo();
    expect(await runCli(argv, run.io)).toBe(3);
    expect(run.err()).toMatch(message);
  });

  it('checks flags together before calling the server (exit 3)', async () => {
    const run = fakeIo({ CORRAL_URL: 'https://127.0.0.1:9', CORRAL_TOKEN: 't' });
    expect(await runCli(['env', 'create', 'x', '--hosts', '2'], run.io)).toBe(3);
    expect(run.err()).toBe('corral: --hosts, --host-selector and --wait-for-hosts need --pool\n');
    expect(await runCli(['token', 'create'], run.io)).toBe(3);
    expect(await runCli(['env', 'delete', 'x', '--timeout', '1m'], run.io)).toBe(3);
  });

  it('asks for a login when no server or key is configured (exit 3)', async () => {
    const noServer = fakeIo({ CORRAL_CONFIG: join(dir, 'none.json') });
    expect(await runCli(['env', 'list'], noServer.io)).toBe(3);
    expect(noServer.err()).toContain('corral login --server URL');
    const noKey = fakeIo({ CORRAL_CONFIG: join(dir, 'none.json'), CORRAL_URL: 'https://127.0.0.1:9' });
    expect(await runCli(['env', 'list'], noKey.io)).toBe(3);
    expect(noKey.err()).toContain('CORRAL_TOKEN');
  });

  it('fails with 1 when the server cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const run = fakeIo({ CORRAL_CONFIG: join(dir, 'none.json'), CORRAL_URL: `https://127.0.0.1:${port}`, CORRAL_TOKEN: 't' });
    expect(await runCli(['env', 'get', 'x'], run.io)).toBe(1);
    expect(run.err()).toMatch(/cannot reach the server: ECONNREFUSED/);
  }, 30_000);
});
