import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveFileName, gatherInputs, readBuildManifest, writeArchives } from '../../src/build';
import { busyboxImageSpec, pauseImageSpec, PASSWD } from '../../src/images';
import { buildImage } from '../../src/oci';
import { TarEntry } from '../../src/tar';
import { BusyboxBinary, compilePause, findBusybox, MissingPrerequisiteError, parseBusyboxBanner, readElf } from '../../src/toolchain';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-images-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A minimal ELF64 header with one program header of the given type. */
function elf(machine: number, programHeaderType: number): Buffer {
  const b = Buffer.alloc(64 + 56);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little-endian
  b.writeUInt16LE(machine, 18);
  b.writeBigUInt64LE(64n, 32); // e_phoff
  b.writeUInt16LE(56, 54); // e_phentsize
  b.writeUInt16LE(1, 56); // e_phnum
  b.writeUInt32LE(programHeaderType, 64);
  return b;
}

const fakeBusybox: BusyboxBinary = {
  path: '/bin/busybox',
  data: elf(62, 1),
  version: '1.36.1',
  build: 'Debian 1:1.36.1-9',
  applets: ['[', 'cat', 'env', 'httpd', 'nslookup', 'sh', 'sleep', 'wget'],
};

const byPath = (entries: TarEntry[]) => new Map(entries.map((e) => [e.path, e]));

describe('busyboxImageSpec', () => {
  const spec = busyboxImageSpec(fakeBusybox);
  const entries = byPath(spec.layers[0]);

  it('names the image after the busybox version', () => {
    expect(spec.name).toBe('corral.local/busybox:1.36.1');
  });

  it('links every applet in /bin to busybox', () => {
    expect(entries.get('bin/busybox')).toMatchObject({ type: 'file', mode: 0o755, data: fakeBusybox.data });
    for (const a of fakeBusybox.applets) expect(entries.get(`bin/${a}`)).toEqual({ type: 'symlink', path: `bin/${a}`, target: 'busybox' });
    expect(entries.get('usr/bin/env')).toMatchObject({ type: 'symlink', target: '/bin/env' });
  });

  it('has /etc/passwd, /etc/group, /tmp 1777 and /var/www', () => {
    expect((entries.get('etc/passwd') as { data: Buffer }).data.toString()).toBe(PASSWD);
    expect((entries.get('etc/group') as { data: Buffer }).data.toString()).toMatch(/^root:x:0:$/m);
    expect(entries.get('tmp')).toMatchObject({ type: 'dir', mode: 0o1777 });
    expect(entries.get('var/www')).toMatchObject({ type: 'dir' });
    expect(entries.get('root')).toMatchObject({ type: 'dir', mode: 0o700 });
  });

  it('runs sh with a PATH by default', () => {
    expect(spec.config).toMatchObject({ Cmd: ['sh'], Env: [expect.stringMatching(/^PATH=.*:\/bin$/)] });
    expect(() => buildImage(spec)).not.toThrow();
  });
});

describe('pauseImageSpec', () => {
  it('is /pause alone, run as 65535', () => {
    const spec = pauseImageSpec({ data: elf(62, 1), version: '3.10', compiler: 'gcc (test) 12' });
    expect(spec.name).toBe('corral.local/pause:3.10');
    expect(spec.layers).toEqual([[{ type: 'file', path: 'pause', data: expect.any(Buffer), mode: 0o755 }]]);
    expect(spec.config).toMatchObject({ Entrypoint: ['/pause'], User: '65535:65535' });
  });
});

describe('readElf', () => {
  it('tells static from dynamic and names the architecture', () => {
    expect(readElf(elf(62, 1))).toEqual({ architecture: 'amd64', isStatic: true });
    expect(readElf(elf(62, 3))).toEqual({ architecture: 'amd64', isStatic: false });
    expect(readElf(elf(183, 1)).architecture).toBe('arm64');
    expect(readElf(readFileSync(process.execPath)).isStatic).toBe(false); // node is dynamically linked
    expect(() => readElf(Buffer.from('#!/bin/sh\n'.padEnd(64)))).toThrow(/not an ELF/);
  });
});

describe('parseBusyboxBanner', () => {
  it('reads the version and the build note', () => {
    expect(parseBusyboxBanner('BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\nBusyBox is copyrighted')).toEqual({
      version: '1.35.0',
      build: 'Debian 1:1.35.0-4+deb12u1+b1',
    });
    expect(parseBusyboxBanner('BusyBox v1.36.1 multi-call binary.')).toEqual({ version: '1.36.1', build: '' });
    expect(() => parseBusyboxBanner('Toybox 0.8')).toThrow(/cannot read the BusyBox version/);
  });
});

describe('missing prerequisites', () => {
  it('says to install busybox-static when busybox is absent or dynamic', () => {
    expect(() => findBusybox(join(dir, 'no-busybox'))).toThrow(MissingPrerequisiteError);
    expect(() => findBusybox(join(dir, 'no-busybox'))).toThrow(/apt-get install -y busybox-static/);
    expect(() => findBusybox(process.execPath)).toThrow(/dynamically linked.*busybox-static/);
  });

  it('says to install gcc and libc6-dev when the compiler or the static libc is missing', () => {
    expect(() => gatherInputs({ cc: join(dir, 'no-gcc'), busyboxPath: process.execPath })).toThrow(
      /pause image: .*apt-get install -y gcc libc6-dev[\s\S]*busybox image: .*busybox-static/,
    );
    // a compiler whose linker has no libc.a, as on a machine without libc6-dev
    const cc = join(dir, 'cc-without-libc-a');
    writeFileSync(
      cc,
      '#!/bin/sh\nif [ "$1" = --version ]; then echo "fake-cc 1"; exit 0; fi\n' +
        'echo "/usr/bin/ld: cannot find -lc: No such file or directory" >&2\necho "collect2: error: ld returned 1 exit status" >&2\nexit 1\n',
    );
    chmodSync(cc, 0o755);
    expect(() => compilePause({ cc })).toThrow(MissingPrerequisiteError);
    expect(() => compilePause({ cc })).toThrow(/static libc .*apt-get install -y libc6-dev/);
  });
});

describe('writeArchives', () => {
  const specs = () => [
    busyboxImageSpec(fakeBusybox),
    pauseImageSpec({ data: elf(62, 1), version: '3.10', compiler: 'gcc (test) 12' }),
  ];

  it('writes each archive with a manifest of name, file, sha256 and size', () => {
    const out = join(dir, 'out1');
    const result = writeArchives(out, specs());
    expect(result.images.map((i) => i.file)).toEqual(['busybox_1.36.1.tar', 'pause_3.10.tar']);
    const manifest = readBuildManifest(out)!;
    expect(manifest.schemaVersion).toBe(1);
    for (const [i, rec] of manifest.images.entries()) {
      const bytes = readFileSync(join(out, rec.file));
      expect(rec.size).toBe(bytes.length);
      expect(rec.sha256).toBe(require('node:crypto').createHash('sha256').update(bytes).digest('hex'));
      expect(rec.name).toBe(result.images[i].name);
      expect(rec.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      // the system tar reads it
      expect(spawnSync('tar', ['-tf', join(out, rec.file)]).status).toBe(0);
    }
  });

  it('leaves unchanged archives alone on a rebuild', () => {
    const out = join(dir, 'out2');
    const first = writeArchives(out, specs());
    const mtimes = first.images.map((i) => statSync(i.path).mtimeMs);
    const again = writeArchives(out, specs());
    expect(again.images.map((i) => i.written)).toEqual([false, false]);
    expect(again.images.map((i) => statSync(i.path).mtimeMs)).toEqual(mtimes);
    expect(again.images.map((i) => i.sha256)).toEqual(first.images.map((i) => i.sha256));
  });

  it('names archive files after the image name', () => {
    expect(archiveFileName('corral.local/busybox:1.36.1')).toBe('busybox_1.36.1.tar');
    expect(archiveFileName('localhost:5000/a/pause:3.10')).toBe('pause_3.10.tar');
  });
});
