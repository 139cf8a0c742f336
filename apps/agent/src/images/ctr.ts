import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** the namespace the kubelet's CRI uses: images imported there are what pods see */
export const CRI_NAMESPACE = 'k8s.io';
/** CRI reports images with this label as pinned, and the kubelet's image GC never removes them (no registry to pull them back from) */
export const PINNED_LABEL = 'io.cri-containerd.pinned=pinned';

/**
 * `ctr images import` of an OCI layout tar whose index names its image (io.containerd.image.name):
 * --local reads the file in ctr itself (no transfer service needed) and unpacks for the host's
 * platform with the default snapshotter, the one CRI uses.
 */
export function ctrImportArgs(address: string, file: string): string[] {
  return ['--address', address, '--namespace', CRI_NAMESPACE, 'images', 'import', '--local', '--label', PINNED_LABEL, file];
}

export function ctrListArgs(address: string): string[] {
  return ['--address', address, '--namespace', CRI_NAMESPACE, 'images', 'ls'];
}

/** `ctr images ls` (REF TYPE DIGEST SIZE PLATFORMS LABELS) -> digest by reference */
export function parseImageList(stdout: string): Map<string, string> {
  const refs = new Map<string, string>();
  const lines = stdout.split('\n');
  for (const line of lines.slice(1)) {
    const [ref, , digest] = line.trim().split(/\s+/);
    if (ref && digest?.startsWith('sha256:')) refs.set(ref, digest);
  }
  return refs;
}

export interface CtrResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const KEEP = 64 * 1024;
/** containerd 2.2 on a cgroup v1 host warns on every ctr call */
const NOISE = /^time=.*level=warning msg="DEPRECATION: .*\n?/gm;

/** Runs `${binDir}/ctr ...args` in its own process group; killed on timeout or abort. */
export function runCtr(binDir: string, args: string[], options: { timeoutMs: number; signal?: AbortSignal }): Promise<CtrResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(binDir, 'ctr'), args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: `${binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-KEEP)));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-KEEP)));
    let why: string | null = null;
    const kill = (reason: string) => {
      why ??= reason;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    };
    const timer = setTimeout(() => kill(`timed out after ${Math.round(options.timeoutMs / 1000)} s`), options.timeoutMs);
    const onAbort = () => kill('stopped');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code, signal) => {
      done();
      if (why) reject(new Error(why));
      else resolve({ code, signal, stdout, stderr: stderr.replace(NOISE, '') });
    });
  });
}

/** "exited 1: ctr: <last line of stderr>" */
export function describeCtrFailure(what: string, r: CtrResult): string {
  const last = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-2).join(' | ').slice(0, 600);
  return `${what} ${r.signal ? `was killed by ${r.signal}` : `exited ${r.code}`}${last ? `: ${last}` : ''}`;
}
