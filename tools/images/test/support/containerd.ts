// A private containerd for tests: its own --root, --state, socket and config (version 3, CRI and
// the other plugins that reach outside those dirs disabled), so the machine's /var/lib/containerd
// and /run/containerd/containerd.sock are never touched.
//
// What containerd v2 still puts under /run/containerd whatever the config says (upstream
// hard-codes it, containerd issue 10502): the shim sockets, /run/containerd/s/<sha256 of
// state dir + namespace + id>, removed when each shim exits. ctr's FIFOs and runc's state dir,
// which would otherwise go there too, are moved into the temp dir with --fifo-dir / --runc-root.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cachedKubeBinDirs, kubeBinCacheDir } from '@corral/kube-build';

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');

export interface KubeBinLookup {
  /** the directory that holds containerd, ctr and containerd-shim-runc-v2, when found */
  dir?: string;
  /** where containerd was looked for, for the skip message */
  looked: string[];
}

/**
 * Finds the kube-bin directory: CORRAL_KUBE_BIN_DIR if set; else `npm run -s kube:bin-dir` when
 * package.json has that script; else the newest ~/.cache/corral/kube-bin/<key>/bin (in build.sh's cache:
 * see corralCacheDir) that has containerd.
 */
export function findKubeBinDir(): KubeBinLookup {
  const explicit = process.env.CORRAL_KUBE_BIN_DIR;
  if (explicit) {
    const path = join(explicit, 'containerd');
    return existsSync(path) ? { dir: explicit, looked: [path] } : { looked: [path] };
  }
  const looked: string[] = [];
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  if (pkg.scripts?.['kube:bin-dir']) {
    const r = spawnSync('npm', ['run', '-s', 'kube:bin-dir'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30 * 60_000 });
    const dir = r.status === 0 ? r.stdout.trim().split('\n').pop()?.trim() : undefined;
    if (dir) {
      const path = join(dir, 'containerd');
      if (existsSync(path)) return { dir, looked: [path] };
      looked.push(path);
    } else {
      looked.push(`(npm run -s kube:bin-dir failed: exit ${r.status}${r.error ? `, ${r.error.message}` : ''})`);
    }
  }
  const candidates = cachedKubeBinDirs(['containerd']);
  if (candidates.length > 0) return { dir: candidates[0], looked: [...looked, join(candidates[0], 'containerd')] };
  return { looked: [...looked, join(kubeBinCacheDir(), '*', 'bin', 'containerd')] };
}

export interface CtrResult {
  code: number | null;
  stdout: string;
  /** stderr without containerd's cgroup v1 deprecation warnings */
  stderr: string;
}

const NOISE = /^time=.*level=warning msg="DEPRECATION: The support for cgroup v1.*\n?/gm;

export class TestContainerd {
  readonly address: string;
  readonly namespace = 'k8s.io';
  private constructor(
    readonly binDir: string,
    readonly dir: string,
    private readonly proc: ChildProcess,
  ) {
    this.address = join(dir, 'containerd.sock');
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, PATH: `${this.binDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
  }

  static async start(binDir: string): Promise<TestContainerd> {
    const dir = mkdtempSync(join(tmpdir(), 'corral-ctd-'));
    const config = [
      'version = 3',
      `root = ${JSON.stringify(join(dir, 'root'))}`,
      `state = ${JSON.stringify(join(dir, 'state'))}`,
      // CRI (and the pod sandbox controller that needs it) is not wanted for ctr; NRI would listen
      // on /var/run/nri, and the opt plugin would create /opt/containerd
      'disabled_plugins = [',
      '  "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images", "io.containerd.cri.v1.runtime",',
      '  "io.containerd.podsandbox.controller.v1.podsandbox", "io.containerd.nri.v1.nri", "io.containerd.internal.v1.opt",',
      ']',
      '[grpc]',
      `  address = ${JSON.stringify(join(dir, 'containerd.sock'))}`,
      '[ttrpc]',
      `  address = ${JSON.stringify(join(dir, 'containerd.sock.ttrpc'))}`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'config.toml'), config);
    mkdirSync(join(dir, 'fifo'));
    mkdirSync(join(dir, 'runc'));
    const log = openSync(join(dir, 'containerd.log'), 'a');
    const proc = spawn(join(binDir, 'containerd'), ['--config', join(dir, 'config.toml')], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, PATH: `${binDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` },
    });
    const ctd = new TestContainerd(binDir, dir, proc);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`containerd exited (${proc.exitCode}) at start:\n${ctd.logTail()}`);
      if (existsSync(ctd.address) && (await ctd.ctr(['version'], 5_000)).code === 0) return ctd;
      if (Date.now() > deadline) {
        await ctd.stop();
        throw new Error(`containerd did not answer on ${ctd.address} within 20 s:\n${ctd.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** ctr arguments that keep a task's FIFOs and runc state inside the temp dir */
  get runFlags(): string[] {
    return ['--fifo-dir', join(this.dir, 'fifo'), '--runc-root', join(this.dir, 'runc')];
  }

  /** Runs `ctr -a SOCKET -n k8s.io ...args`. */
  ctr(args: string[], timeoutMs = 60_000): Promise<CtrResult> {
    return new Promise((resolvePromise, reject) => {
      const child = this.spawnCtr(args);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        reject(new Error(`ctr ${args.join(' ')} timed out after ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
      }, timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code, stdout, stderr: stderr.replace(NOISE, '') });
      });
    });
  }

  /** Starts `ctr ...args` and returns the child, for long-running `ctr run`. */
  spawnCtr(args: string[]): ChildProcess {
    return spawn(join(this.binDir, 'ctr'), ['-a', this.address, '-n', this.namespace, ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.env,
    });
  }

  logTail(lines = 40): string {
    const path = join(this.dir, 'containerd.log');
    if (!existsSync(path)) return '(no log)';
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Kills leftover tasks, stops containerd, unmounts what it left under the temp dir, removes it. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && existsSync(this.address)) {
      const tasks = await this.ctr(['task', 'ls', '-q'], 10_000).catch(() => undefined);
      for (const id of tasks?.stdout.split('\n').filter((s) => s.trim() !== '') ?? []) {
        await this.ctr(['task', 'kill', '-s', 'SIGKILL', id], 10_000).catch(() => undefined);
        await this.ctr(['task', 'delete', '--force', id], 10_000).catch(() => undefined);
      }
      const containers = await this.ctr(['containers', 'ls', '-q'], 10_000).catch(() => undefined);
      for (const id of containers?.stdout.split('\n').filter((s) => s.trim() !== '') ?? []) {
        await this.ctr(['containers', 'rm', id], 10_000).catch(() => undefined);
      }
    }
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // mount points under the temp dir, deepest first
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((m) => m && m.startsWith(`${this.dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    if (process.env.CORRAL_KEEP_CONTAINERD_DIR) return;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
