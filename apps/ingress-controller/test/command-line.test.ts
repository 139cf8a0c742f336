import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'corral-ingress-controller');
const ADDRESS = '127.0.0.62';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(BIN, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

jest.setTimeout(60_000);

describe('corral-ingress-controller command line', () => {
  let dir: string;
  let kubeconfig: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingress-controller-cli-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster: {server: "https://127.0.0.1:1"}', 'users:', '- name: u', '  user: {token: t}', 'contexts:', '- name: x', '  context: {cluster: c, user: u}', 'current-context: x', ''].join('\n'),
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 naming an unknown flag', async () => {
    const result = await run([`--kubeconfig=${kubeconfig}`, '--secure-port=10254']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('corral-ingress-controller: unknown flag: --secure-port');
  });

  it('exits 2 when the kubeconfig file is missing or unusable', async () => {
    const missing = await run([`--kubeconfig=${join(dir, 'nope')}`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--kubeconfig: open ${join(dir, 'nope')}: no such file or directory`);

    const empty = join(dir, 'empty');
    writeFileSync(empty, 'apiVersion: v1\nkind: Config\n');
    const unusable = await run([`--kubeconfig=${empty}`]);
    expect(unusable.code).toBe(2);
    expect(unusable.stderr).toContain('no server for the current context');
  });

  it('prints usage for --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--healthz-port=<port>');
  });

  it('exits 1 naming the listener whose port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, ADDRESS, resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await run([`--kubeconfig=${kubeconfig}`, `--bind-address=${ADDRESS}`, `--healthz-port=${port}`, '--http-port=1', '--https-port=2']);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`healthz listener on ${ADDRESS}:${port}: EADDRINUSE`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
