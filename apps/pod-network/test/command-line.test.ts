import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', 'bin', 'corral-pod-network');
const BASE = ['--cluster-cidr=10.42.0.0/16', '--node-cidr=10.42.1.0/24'];
// as root, a run that got past its listener would change this machine's routes and rules: give
// it a network namespace of its own (it then exits before touching the network anyway)
const ISOLATE = process.getuid?.() === 0 && existsSync('/usr/bin/unshare') ? ['unshare', '--net'] : [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return runArgv([...ISOLATE, BIN, ...args]);
}

function runArgv([cmd, ...rest]: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd!, rest, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

jest.setTimeout(60_000);

describe('corral-pod-network command line', () => {
  it('prints usage for --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--route=<cidr=gateway>');
  });

  it('exits 2 naming a bad flag or value', async () => {
    const unknown = await run([...BASE, '--routes=10.42.2.0/24=10.0.0.3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('corral-pod-network: unknown flag: --routes');

    const missing = await run(['--node-cidr=10.42.1.0/24']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--cluster-cidr: required');

    const route = await run([...BASE, '--route=10.42.1.0/24=10.0.0.3']);
    expect(route.code).toBe(2);
    expect(route.stderr).toContain("overlaps this host's --node-cidr 10.42.1.0/24");
  });

  it('exits 1 naming the health listener when its port is taken, before touching the network', async () => {
    let result: Run;
    if (ISOLATE.length > 0) {
      // inside the namespace: loopback up, a blocker on the port, then the daemon
      const dir = mkdtempSync(join(tmpdir(), 'pod-network-cli-'));
      try {
        const script = [
          'ip link set lo up || exit 90',
          `"$NODE" -e 'require("net").createServer().listen(10258, "127.0.0.1", () => console.log("blocking"))' > "$READY" &`,
          'blocker=$!',
          'i=0; while [ ! -s "$READY" ]; do i=$((i+1)); [ $i -gt 200 ] && exit 91; sleep 0.05; done',
          '"$BIN" "$@"; code=$?',
          'kill $blocker; exit $code',
        ].join('\n');
        result = await runArgv(['unshare', '--net', 'env', `NODE=${process.execPath}`, `READY=${join(dir, 'ready')}`, `BIN=${BIN}`, 'sh', '-c', script, 'sh', ...BASE, '--bind-address=127.0.0.1', '--healthz-port=10258']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      try {
        result = await run([...BASE, '--bind-address=127.0.0.1', `--healthz-port=${(blocker.address() as AddressInfo).port}`]);
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    }
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/healthz listener on 127\.0\.0\.1:\d+: EADDRINUSE/);
    expect(result.stdout).not.toContain('sysctl');
  });
});
