import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { cleanPath, normalizeEntries, paxRecord, TarEntry, ustarHeader, writeTar } from '../../src/tar';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-tar-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function systemTar(archive: Buffer, args: string[]): { stdout: string; stderr: string } {
  const file = join(dir, `a${seq++}.tar`);
  writeFileSync(file, archive);
  const r = spawnSync('tar', [...args, '-f', file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC' } });
  if (r.status !== 0) throw new Error(`tar ${args.join(' ')} failed: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

interface Listed {
  mode: string;
  uid: number;
  gid: number;
  size: number;
  date: string;
  name: string;
  target?: string;
}

/** Parses `tar -tv --numeric-owner --quoting-style=literal` lines. */
function listVerbose(archive: Buffer): Listed[] {
  const { stdout, stderr } = systemTar(archive, ['-tv', '--numeric-owner', '--quoting-style=literal']);
  expect(stderr).toBe(''); // no checksum, format or "unknown keyword" complaints
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const m = /^(\S{10}) (\d+)\/(\d+)\s+(\d+) (\d{4}-\d\d-\d\d \d\d:\d\d) (.*)$/.exec(line);
      if (!m) throw new Error(`unexpected tar -tv line: ${line}`);
      const [name, target] = m[1].startsWith('l') ? m[6].split(' -> ') : [m[6], undefined];
      return { mode: m[1], uid: Number(m[2]), gid: Number(m[3]), size: Number(m[4]), date: m[5], name, target };
    });
}

const long150 = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(28)}`; // 150 bytes: past the 100-byte name field
const long300 = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(49)).join('/'); // 299 bytes: past prefix+name too
const longTarget = `/${'t'.repeat(150)}/busybox`;

const sample: TarEntry[] = [
  { type: 'dir', path: 'tmp', mode: 0o1777 },
  { type: 'file', path: 'bin/tool', data: Buffer.from('#!/bin/sh\necho tool\n'), mode: 0o755 },
  { type: 'file', path: 'etc/empty', data: Buffer.alloc(0) },
  { type: 'file', path: 'etc/block', data: Buffer.alloc(512, 7) },
  { type: 'file', path: 'etc/block+1', data: Buffer.alloc(513, 9), mode: 0o600, uid: 33, gid: 33 },
  { type: 'symlink', path: 'bin/sh', target: 'tool' },
  { type: 'symlink', path: 'bin/far', target: longTarget },
  { type: 'file', path: long150, data: Buffer.from('long name 150\n') },
  { type: 'file', path: long300, data: Buffer.from('long name 300\n') },
  { type: 'file', path: 'etc/café-ünïcode', data: Buffer.from('utf8\n') },
  { type: 'file', path: 'var/big-ids', data: Buffer.from('x'), uid: 3_000_000, gid: 4_000_000 }, // > 07777777
  { type: 'dir', path: 'root', mode: 0o700 },
  { type: 'file', path: 'usr/bin/setuid', data: Buffer.from('s'), mode: 0o4755 },
];

describe('writeTar read back by the system tar', () => {
  it('lists every entry with its type, mode, owner, size, link target and long name', () => {
    const entries = normalizeEntries(sample);
    const listed = listVerbose(writeTar(entries));
    expect(listed.map((l) => l.name)).toEqual(entries.map((e) => (e.type === 'dir' ? `${e.path}/` : e.path)));
    const byName = new Map(listed.map((l) => [l.name.replace(/\/$/, ''), l]));
    expect(byName.get('tmp')!.mode).toBe('drwxrwxrwt');
    expect(byName.get('root')!.mode).toBe('drwx------');
    expect(byName.get('bin/tool')).toMatchObject({ mode: '-rwxr-xr-x', uid: 0, gid: 0, size: 20, date: '1970-01-01 00:00' });
    expect(byName.get('etc/block+1')).toMatchObject({ mode: '-rw-------', uid: 33, gid: 33, size: 513 });
    expect(byName.get('bin/sh')).toMatchObject({ mode: 'lrwxrwxrwx', target: 'tool' });
    expect(byName.get('bin/far')!.target).toBe(longTarget);
    expect(byName.get(long150)!.size).toBe(14);
    expect(byName.get(long300)!.size).toBe(14);
    expect(byName.get('etc/café-ünïcode')!.size).toBe(5);
    expect(byName.get('var/big-ids')).toMatchObject({ uid: 3_000_000, gid: 4_000_000 });
    expect(byName.get('usr/bin/setuid')!.mode).toBe('-rwsr-xr-x');
    // the implicit parents of the long paths are there, before their contents
    expect(byName.get(long300.slice(0, long300.lastIndexOf('/')))!.mode).toBe('drwxr-xr-x');
  });

  it('extracts to the same bytes, modes and links', () => {
    const out = join(dir, 'extract');
    mkdirSync(out);
    const file = join(dir, 'extract.tar');
    writeFileSync(file, writeTar(normalizeEntries(sample)));
    const r = spawnSync('tar', ['-xpf', file, '-C', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const e of sample) {
      const p = join(out, e.path);
      const st = lstatSync(p);
      if (e.type === 'file') {
        expect(readFileSync(p).equals(e.data)).toBe(true);
        expect(st.mode & 0o7777).toBe(e.mode ?? 0o644);
      } else if (e.type === 'symlink') {
        expect(st.isSymbolicLink()).toBe(true);
        expect(readlinkSync(p)).toBe(e.target);
      } else {
        expect(st.isDirectory()).toBe(true);
        expect(st.mode & 0o7777).toBe(e.mode ?? 0o755);
      }
    }
  });

  it('round-trips arbitrary path names (property, via tar -t)', () => {
    const segment = fc
      .string({ unit: fc.constantFrom(...'abcXYZ019 ._-+@=~é中'.split('')), minLength: 1, maxLength: 70 })
      .filter((s) => s !== '.' && s !== '..');
    const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/'));
    fc.assert(
      fc.property(fc.uniqueArray(path, { minLength: 1, maxLength: 8 }), (paths) => {
        let entries: TarEntry[];
        try {
          entries = normalizeEntries(paths.map((p) => ({ type: 'file', path: p, data: Buffer.from(p) })));
        } catch {
          return; // one path is a parent directory of another: not a valid layer, rejected on purpose
        }
        const { stdout } = systemTar(writeTar(entries), ['-t', '--quoting-style=literal']);
        expect(stdout.split('\n').filter((l) => l !== '')).toEqual(entries.map((e) => (e.type === 'dir' ? `${e.path}/` : e.path)));
      }),
      { numRuns: 40, seed: 20260722 },
    );
  });
});

describe('ustar header', () => {
  it('has the ustar magic and a checksum over the header with the field as spaces', () => {
    const h = ustarHeader({
      name: 'a/b',
      mode: 0o644,
      uid: 1,
      gid: 2,
      size: 3,
      mtime: 0,
      typeflag: '0',
      linkname: '',
      uname: '',
      gname: '',
    });
    expect(h.length).toBe(512);
    expect(h.subarray(257, 265).toString('latin1')).toBe('ustar\u000000');
    const stored = parseInt(h.subarray(148, 154).toString('latin1'), 8);
    const copy = Buffer.from(h);
    copy.fill(0x20, 148, 156);
    expect(stored).toBe(copy.reduce((s, b) => s + b, 0));
    expect(h.subarray(124, 136).toString('latin1')).toBe('00000000003\u0000');
  });

  it('PAX records count their own length, across digit-count boundaries', () => {
    for (let n = 0; n < 120; n++) {
      const rec = paxRecord('path', 'x'.repeat(n));
      const len = Number(rec.toString('utf8').split(' ')[0]);
      expect(len).toBe(rec.length);
    }
    expect(paxRecord('path', 'é').toString('utf8')).toBe('11 path=é\n'); // 2 + 1 + 5 + 2 (é is 2 bytes) + 1
  });

  it('writes a PAX header only when ustar cannot hold the entry', () => {
    const short = writeTar([{ type: 'file', path: 'x'.repeat(100), data: Buffer.alloc(0) }]);
    expect(short.length).toBe(3 * 512);
    const long = writeTar([{ type: 'file', path: 'x'.repeat(101), data: Buffer.alloc(0) }]);
    expect(long[156]).toBe('x'.charCodeAt(0)); // first header is the PAX one
    expect(long.length).toBe(5 * 512);
  });
});

describe('normalizeEntries', () => {
  it('adds missing parents, sorts by path bytes and cleans paths', () => {
    const out = normalizeEntries([
      { type: 'file', path: '/usr/bin/b', data: Buffer.alloc(0) },
      { type: 'file', path: './a-b', data: Buffer.alloc(0) },
      { type: 'dir', path: 'a/', mode: 0o700 },
      { type: 'symlink', path: 'a/link', target: '../usr' },
    ]);
    expect(out.map((e) => `${e.type}:${e.path}`)).toEqual(['dir:a', 'file:a-b', 'symlink:a/link', 'dir:usr', 'dir:usr/bin', 'file:usr/bin/b']);
    expect(out[0].mode).toBe(0o700);
  });

  it('rejects duplicates, parent traversal and entries inside a non-directory', () => {
    const f = (path: string): TarEntry => ({ type: 'file', path, data: Buffer.alloc(0) });
    expect(() => normalizeEntries([f('a'), f('/a')])).toThrow(/duplicate path a/);
    expect(() => normalizeEntries([f('a/../b')])).toThrow(/bad path/);
    expect(() => normalizeEntries([f('a'), f('a/b')])).toThrow(/a is a file/);
    expect(() => cleanPath('')).toThrow(/empty path/);
    expect(() => cleanPath('a\0b')).toThrow(/NUL/);
  });

  it('makes the archive independent of input order', () => {
    const shuffled = [...sample].reverse();
    expect(writeTar(normalizeEntries(shuffled)).equals(writeTar(normalizeEntries(sample)))).toBe(true);
  });
});
