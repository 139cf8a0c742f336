import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedKubeBinDirs, corralCacheDir } from './kube-bin-dir';

describe('the build cache', () => {
  const saved = { CORRAL_CACHE_DIR: process.env.CORRAL_CACHE_DIR, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'corral-cache-spec-'));
    delete process.env.CORRAL_CACHE_DIR;
    delete process.env.XDG_CACHE_HOME;
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  });

  it('is where build.sh keeps it: CORRAL_CACHE_DIR, else $XDG_CACHE_HOME/corral, else ~/.cache/corral', () => {
    expect(corralCacheDir()).toBe(join(homedir(), '.cache', 'corral'));
    process.env.XDG_CACHE_HOME = '/x/cache';
    expect(corralCacheDir()).toBe('/x/cache/corral');
    process.env.CORRAL_CACHE_DIR = '/var/cache/corral';
    expect(corralCacheDir()).toBe('/var/cache/corral');
  });

  it('lists the builds that hold every binary asked for, newest first', () => {
    process.env.CORRAL_CACHE_DIR = root;
    expect(cachedKubeBinDirs(['containerd'])).toEqual([]);
    const build = (key: string, binaries: string[], ageSeconds: number) => {
      const bin = join(root, 'kube-bin', key, 'bin');
      mkdirSync(bin, { recursive: true });
      const at = Date.now() / 1000 - ageSeconds;
      for (const b of binaries) {
        writeFileSync(join(bin, b), '');
        utimesSync(join(bin, b), at, at);
      }
      return bin;
    };
    const old = build('old', ['containerd', 'ctr'], 3600);
    const recent = build('recent', ['containerd', 'ctr'], 60);
    const partial = build('partial', ['containerd'], 0);
    expect(cachedKubeBinDirs(['containerd', 'ctr'])).toEqual([recent, old]);
    expect(cachedKubeBinDirs(['containerd'])).toEqual([partial, recent, old]);
  });
});
