// `npm start` on real Kubernetes: the upstream binaries, Corral's images and three hosts that are
// real nodes (network namespaces on a private bridge, each with its own mounts and cgroups).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { composeAgentBinDir, kubeBinCacheDir, kubeBinDir, repoRoot } from '@corral/kube-build';
import { HostHarness } from '@corral/test-hosts';
import { findOnPath } from './local-redis';
import { Progress } from './progress';

export const NEEDS_ROOT = [
  'npm start runs the demo on real Kubernetes nodes, and that needs root: each host is a network',
  'namespace with its own cgroups and mounts, running containerd, the kubelet and runc containers.',
  '  sudo npm start                  # as root (if sudo loses node or go: sudo env "PATH=$PATH" npm start)',
  '  npm start -- --stand-ins        # the loopback demo with the stand-in binaries, no root needed',
].join('\n');

/** Debian packages the nodes need, by what is missing (the images check gcc and busybox-static themselves). */
export function missingNodePackages(): string[] {
  const missing = new Set<string>();
  const need = (ok: boolean, pkg: string) => ok || missing.add(pkg);
  need(Boolean(findOnPath('runc')), 'runc');
  need(existsSync('/usr/lib/cni/bridge'), 'containernetworking-plugins');
  need(Boolean(findOnPath('iptables')), 'iptables');
  need(Boolean(findOnPath('conntrack')), 'conntrack');
  need(Boolean(findOnPath('ip')), 'iproute2');
  for (const tool of ['nsenter', 'unshare', 'mount']) need(Boolean(findOnPath(tool)), 'util-linux');
  return [...missing];
}

/** The versions tools/kube-build builds (its versions.env). */
export function upstreamVersions(): { kubernetes: string; etcd: string; containerd: string } {
  const env = readFileSync(join(repoRoot(), 'tools/kube-build/versions.env'), 'utf8');
  const get = (name: string) => new RegExp(`^${name}=(\\S+)`, 'm').exec(env)?.[1] ?? '?';
  return { kubernetes: get('KUBERNETES_VERSION'), etcd: get('ETCD_VERSION'), containerd: get('CONTAINERD_VERSION') };
}

/**
 * The upstream binaries: from the cache when they were built before (or CORRAL_KUBE_BIN_DIR),
 * else built now from the Go module proxy, with build.sh's progress lines shown as they come.
 */
export async function upstreamBinaries(progress: Progress): Promise<string> {
  const v = upstreamVersions();
  const what = `Kubernetes ${v.kubernetes}, etcd ${v.etcd}, containerd ${v.containerd} and CoreDNS`;
  let cached: string | null = null;
  try {
    cached = kubeBinDir({ build: false });
  } catch {
    // not built yet (or CORRAL_KUBE_BIN_DIR incomplete: the build call below says so)
  }
  if (cached) return progress.step(`${what}: built before, in ${cached}`, () => cached);
  const cache = kubeBinCacheDir();
  return progress.step(
    `building ${what} from source (first run only: about 8-10 minutes on 2 cores, needs Go ≥ 1.26; ` +
      `later runs reuse them from ${cache})`,
    () => {
      try {
        return kubeBinDir();
      } catch (err) {
        const { status, signal } = err as { status?: number | null; signal?: string | null };
        if (signal === 'SIGINT' || status === 130) throw new Error('the build was interrupted; the next npm start builds again, reusing Go\'s caches');
        throw new Error(`tools/kube-build/build.sh failed (exit ${status ?? signal}; its messages are above)`);
      }
    },
    { spinner: false },
  );
}

/**
 * Corral's pause and busybox OCI archives, for the server to hand to every host's containerd:
 * tools/images' CLI (buildCorralImages), which writes them and DIR/images.json.
 */
export async function corralImages(progress: Progress, outDir: string): Promise<{ dir: string; names: string[] }> {
  return progress.step(`building Corral's images (pause, busybox) into ${outDir}`, () => {
    try {
      execFileSync(process.execPath, [join(repoRoot(), 'dist/tools/images/src/main.js'), 'build', '--out', outDir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '').replace(/^\[images\] (error: )?/gm, '').trim();
      throw new Error(`building the images failed: ${stderr || (err as Error).message}`);
    }
    const manifest = JSON.parse(readFileSync(join(outDir, 'images.json'), 'utf8')) as { images: Array<{ name: string }> };
    return { dir: outDir, names: manifest.images.map((i) => i.name) };
  });
}

/**
 * Three hosts that can hold real nodes. The harness tears its hosts down at once (SIGKILL to all
 * in them) on SIGINT, SIGTERM and SIGHUP; npm start stops the agents first and destroys the hosts
 * itself, so only `ownHandler` stays on those signals. The harness's exit hook stays: a crash
 * still removes the hosts, and `sweep` (run by the next start) covers a SIGKILL.
 */
export async function createNodeHosts(progress: Progress, count: number, ownHandler: (...args: any[]) => void): Promise<HostHarness> {
  const harness = await progress.step(
    `creating ${count} hosts: network namespaces on a private bridge, each with its own mounts and cgroups for containerd and the kubelet`,
    () => HostHarness.create({ count, nodes: true }),
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    for (const listener of process.listeners(signal)) if (listener !== ownHandler) process.removeListener(signal, listener);
  }
  return harness;
}

/** The agents' --bin-dir (upstream + Corral's own daemons), and kubectl linked under dataDir/bin. */
export function agentBinDir(harness: HostHarness, upstream: string, dataDir: string): { binDir: string; kubectl: string } {
  const binDir = composeAgentBinDir(join(harness.workDir, 'bin'), upstream);
  const userBin = join(dataDir, 'bin');
  mkdirSync(userBin, { recursive: true });
  const kubectl = join(userBin, 'kubectl');
  rmSync(kubectl, { force: true });
  symlinkSync(join(upstream, 'kubectl'), kubectl);
  return { binDir, kubectl };
}
