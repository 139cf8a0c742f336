// The archives of tools/images imported into a real containerd (v2, from the kube-bin cache) and
// run with runc: what `ctr -n k8s.io images import` does on a Corral host before kubelet uses the
// images with imagePullPolicy IfNotPresent.
//
// Skips only when no containerd binary is found (the message names where it looked); needs root
// to run containerd at all (it mounts snapshots and creates /run/containerd).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCorralImages, BuildResult, writeArchives } from '../src/build';
import { busyboxImageSpec } from '../src/images';
import { findBusybox } from '../src/toolchain';
import { findKubeBinDir, TestContainerd } from './support/containerd';

const lookup = findKubeBinDir();
const isRoot = process.getuid?.() === 0;
if (!lookup.dir) {
  console.warn(`tools/images containerd test SKIPPED: containerd binary not found (looked for ${lookup.looked.join(', ')}); set CORRAL_KUBE_BIN_DIR`);
} else if (!isRoot) {
  console.warn('tools/images containerd test SKIPPED: containerd needs root (snapshot mounts, /run/containerd)');
}
const suite = lookup.dir && isRoot ? describe : describe.skip;

suite(`OCI archives in containerd (${lookup.dir ?? 'not found'})`, () => {
  let out: string;
  let built: BuildResult;
  let ctd: TestContainerd;
  let busyboxName: string;

  beforeAll(async () => {
    const runc = spawnSync('runc', ['--version'], { encoding: 'utf8' });
    if (runc.error) throw new Error(`runc is not on PATH (containerd-shim-runc-v2 runs it): apt-get install -y runc`);
    for (const b of ['containerd', 'ctr', 'containerd-shim-runc-v2']) {
      if (spawnSync('test', ['-x', join(lookup.dir!, b)]).status !== 0) throw new Error(`${b} missing from ${lookup.dir}`);
    }
    out = mkdtempSync(join(tmpdir(), 'corral-images-out-'));
    built = buildCorralImages({ outDir: out });
    busyboxName = built.images.find((i) => i.name.includes('/busybox:'))!.name;
    ctd = await TestContainerd.start(lookup.dir!);
  }, 60_000);

  afterAll(async () => {
    try {
      await ctd?.stop();
    } finally {
      if (out) rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('imports both archives; ctr images ls shows their names and manifest digests', async () => {
    for (const img of built.images) {
      const r = await ctd.ctr(['images', 'import', img.path]);
      expect(r).toMatchObject({ code: 0 });
      expect(r.stdout).toContain(img.name);
    }
    const ls = await ctd.ctr(['images', 'ls']);
    expect(ls.code).toBe(0);
    const rows = ls.stdout.split('\n').slice(1).filter((l) => l.trim() !== '');
    for (const img of built.images) {
      const row = rows.find((l) => l.split(/\s+/)[0] === img.name);
      expect(row).toBeDefined();
      expect(row).toContain(img.manifestDigest);
      expect(row).toContain('linux/amd64');
    }
    expect(built.images.map((i) => i.name)).toEqual(['corral.local/pause:3.10', busyboxName]);
    expect(busyboxName).toMatch(/^corral\.local\/busybox:\d+\.\d+\.\d+$/);
  });

  it('runs the busybox image: sh -c "echo hi" prints hi', async () => {
    const r = await ctd.ctr(['run', '--rm', ...ctd.runFlags, busyboxName, 't1', '/bin/sh', '-c', 'echo hi']);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  });

  it('busybox has its users, a 1777 /tmp and an httpd that wget can reach', async () => {
    const script = [
      'stat -c "%a %n" /tmp /root',
      'id www-data',
      'httpd -p 127.0.0.1:8080 -h /var/www',
      'wget -q -O - http://127.0.0.1:8080/ | head -c 15; echo',
      'ls /bin/nslookup /bin/sleep /bin/ps /bin/hostname >/dev/null && echo applets',
    ].join('; ');
    const r = await ctd.ctr(['run', '--rm', ...ctd.runFlags, busyboxName, 't2', '/bin/sh', '-c', script]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      '1777 /tmp',
      '700 /root',
      'uid=33(www-data) gid=33(www-data) groups=33(www-data)',
      '<!doctype html>',
      'applets',
      '',
    ]);
  });

  it('starts the pause image as 65535, and it exits 0 on SIGTERM', async () => {
    const run = ctd.spawnCtr(['run', '--rm', ...ctd.runFlags, 'corral.local/pause:3.10', 'p1']);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => run.on('close', (code) => r(code)));
    try {
      let pid: number | undefined;
      const deadline = Date.now() + 20_000;
      while (pid === undefined && Date.now() < deadline) {
        const ls = await ctd.ctr(['task', 'ls']);
        const m = /^p1\s+(\d+)\s+RUNNING/m.exec(ls.stdout);
        if (m) pid = Number(m[1]);
        else await new Promise((r) => setTimeout(r, 200));
      }
      expect(pid).toBeDefined();
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\s+65535\s/m);
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('/pause\0');
      await new Promise((r) => setTimeout(r, 300)); // still running after a while
      expect((await ctd.ctr(['task', 'ls'])).stdout).toMatch(/^p1\s+\d+\s+RUNNING/m);

      expect((await ctd.ctr(['task', 'kill', '-s', 'SIGTERM', 'p1'])).code).toBe(0);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), 15_000)))]);
      clearTimeout(timer);
      expect(code).toBe(0);
      expect(stderr).toContain('pause: SIGTERM, shutting down');
      expect((await ctd.ctr(['containers', 'ls', '-q'])).stdout).not.toContain('p1');
    } finally {
      if (run.exitCode === null) await ctd.ctr(['task', 'kill', '-s', 'SIGKILL', 'p1']).catch(() => undefined);
    }
  });

  it("containerd's unpacker reads the PAX long names and link targets", async () => {
    // busybox plus a layer of long paths (> 100 and > 255 bytes) and a long symlink target
    const longDir = `opt/${'d'.repeat(120)}/${'e'.repeat(120)}`;
    const longFile = `${longDir}/${'f'.repeat(90)}.txt`;
    const longTarget = `/${longFile}`;
    const base = busyboxImageSpec(findBusybox());
    const spec = {
      ...base,
      name: 'corral.local/longnames:test',
      layers: [
        ...base.layers,
        [
          { type: 'file' as const, path: longFile, data: Buffer.from('long ok\n') },
          { type: 'symlink' as const, path: `opt/${'l'.repeat(110)}`, target: longTarget },
        ],
      ],
    };
    const res = writeArchives(join(out, 'extra'), [spec]);
    expect((await ctd.ctr(['images', 'import', res.images[0].path])).code).toBe(0);
    const r = await ctd.ctr([
      'run',
      '--rm',
      ...ctd.runFlags,
      'corral.local/longnames:test',
      't3',
      '/bin/sh',
      '-c',
      `cat /${longFile}; readlink /opt/${'l'.repeat(110)}; cat /opt/${'l'.repeat(110)}`,
    ]);
    expect(r).toMatchObject({ code: 0, stdout: `long ok\n${longTarget}\nlong ok\n` });
  });
});
