import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Binaries the upstream set holds (tools/kube-build/build.sh). */
export const UPSTREAM_BINARIES = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'kubectl',
  'etcd',
  'etcdctl',
  'etcdutl',
  'containerd',
  'containerd-shim-runc-v2',
  'ctr',
] as const;

export interface KubeBinManifest {
  kubernetes: string;
  etcd: string;
  containerd: string;
  recipe: string;
  buildSeconds: number;
  binaries: Record<string, string>;
}

/** The nearest directory above this file with an nx.json: works from src/ and from dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('kube-build: repository root not found');
}

/** Where build.sh and build-coredns.sh keep what they build: the same rule as their `cache_root`. */
export function corralCacheDir(): string {
  return process.env.CORRAL_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'corral');
}

/** build.sh's builds in the cache */
export const kubeBinCacheDir = (): string => join(corralCacheDir(), 'kube-bin');

/**
 * Every cached build's bin directory holding all of `binaries`, newest build first, whatever its
 * versions: for tests that need only containerd and ctr from some build.
 */
export function cachedKubeBinDirs(binaries: readonly string[]): string[] {
  const root = kubeBinCacheDir();
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((key) => join(root, key, 'bin'))
    .filter((dir) => binaries.every((b) => existsSync(join(dir, b))))
    .map((dir) => ({ dir, builtAt: statSync(join(dir, binaries[0])).mtimeMs }))
    .sort((a, b) => b.builtAt - a.builtAt)
    .map(({ dir }) => dir);
}

/**
 * The directory of upstream binaries for the default versions: CORRAL_KUBE_BIN_DIR when set,
 * else what `tools/kube-build/build.sh` prints (it builds them first when the cache lacks them,
 * with progress on stderr).
 */
export function kubeBinDir(opts: { build?: boolean } = {}): string {
  const fromEnv = process.env.CORRAL_KUBE_BIN_DIR;
  const dir = fromEnv ?? execFileSync('bash', [join(repoRoot(), 'tools/kube-build/build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', opts.build === false ? 'pipe' : 'inherit'],
    env: opts.build === false ? { ...process.env, CORRAL_KUBE_BUILD_CHECK_ONLY: '1' } : process.env,
  }).trim();
  const missing = UPSTREAM_BINARIES.filter((b) => !existsSync(join(dir, b)));
  if (missing.length > 0) {
    throw new Error(`${dir} lacks ${missing.join(', ')}: run 'npm run -s kube:bin-dir' (it builds them) or point CORRAL_KUBE_BIN_DIR at a complete set`);
  }
  corednsBinDir(opts);
  return dir;
}

/**
 * The directory holding `coredns`: CORRAL_COREDNS_BIN_DIR when set, else what
 * `tools/kube-build/build-coredns.sh` prints (building it first when the cache lacks it).
 */
export function corednsBinDir(opts: { build?: boolean } = {}): string {
  const dir = process.env.CORRAL_COREDNS_BIN_DIR ?? execFileSync('bash', [join(repoRoot(), 'tools/kube-build/build-coredns.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', opts.build === false ? 'pipe' : 'inherit'],
    env: opts.build === false ? { ...process.env, CORRAL_KUBE_BUILD_CHECK_ONLY: '1' } : process.env,
  }).trim();
  if (!existsSync(join(dir, 'coredns'))) {
    throw new Error(`${dir} lacks coredns: run 'npm run -s kube:bin-dir' (it builds it) or point CORRAL_COREDNS_BIN_DIR at a directory holding it`);
  }
  return dir;
}

/** The manifest build.sh writes beside the bin dir (versions and each binary's sha256). */
export function readKubeBinManifest(binDir: string): KubeBinManifest {
  return JSON.parse(readFileSync(join(dirname(binDir), 'manifest.json'), 'utf8')) as KubeBinManifest;
}

/** Corral's own daemons and helpers the catalog runs, by binary name (wrappers that run the compiled dist entry, scripts) */
const CORRAL_BINARIES: Record<string, string> = {
  'corral-ingress-controller': 'tools/kube-stand-ins/bin/corral-ingress-controller',
  'corral-pod-network': 'apps/pod-network/bin/corral-pod-network',
  'corral-coredns': 'tools/cluster-dns/bin/corral-coredns',
  'corral-cri-check': 'bin/corral-cri-check',
  'corral-teardown': 'bin/corral-teardown',
};

/**
 * An agent --bin-dir holding the upstream binaries, CoreDNS (unless the upstream dir has one) and
 * Corral's own daemons: a directory of symlinks, made fresh under `dir`.
 */
export function composeAgentBinDir(dir: string, upstreamBinDir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(upstreamBinDir)) symlinkSync(join(upstreamBinDir, name), join(dir, name));
  if (!existsSync(join(dir, 'coredns'))) symlinkSync(join(corednsBinDir({ build: false }), 'coredns'), join(dir, 'coredns'));
  for (const [name, path] of Object.entries(CORRAL_BINARIES)) symlinkSync(join(repoRoot(), path), join(dir, name));
  return dir;
}
