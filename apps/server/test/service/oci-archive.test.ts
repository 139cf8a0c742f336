import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ImageArchiveError, OciArchiveScanner, referenceProblem } from '../../src/images/oci-archive';
import { LayoutOptions, layoutFiles, tar } from '@corral/testing';

const layout = (opts: LayoutOptions = {}) => {
  const { files, manifestDigest } = layoutFiles(opts);
  return { entries: files, manifestDigest };
};

/** Scans the bytes in pieces of `piece` bytes (streaming as a request would arrive). */
function scan(bytes: Buffer, piece = 7919) {
  const scanner = new OciArchiveScanner();
  for (let i = 0; i < bytes.length; i += piece) scanner.push(bytes.subarray(i, i + piece));
  return scanner.finish();
}

function problem(bytes: Buffer, piece?: number): { field: string; message: string } {
  try {
    scan(bytes, piece);
  } catch (err) {
    if (err instanceof ImageArchiveError) return { field: err.field, message: err.problem };
    throw err;
  }
  throw new Error('expected the archive to be refused');
}

describe('OciArchiveScanner', () => {
  it('reads the name and manifest digest of a one-image layout, whatever the piece size', () => {
    const { entries, manifestDigest } = layout();
    const bytes = tar(entries);
    for (const piece of [1, 511, 512, 513, 4096, bytes.length]) {
      expect(scan(bytes, piece)).toEqual({ name: 'corral.local/test:1.0', manifestDigest, manifestMediaType: 'application/vnd.oci.image.manifest.v1+json', blobs: 3 });
    }
  });

  it('accepts "./" prefixed paths and an archive without the end-of-archive blocks', () => {
    const { entries } = layout();
    expect(scan(tar(entries.map((e) => ({ ...e, path: `./${e.path}` })))).name).toBe('corral.local/test:1.0');
    expect(scan(tar(entries, { end: false })).name).toBe('corral.local/test:1.0');
  });

  it.each<[string, LayoutOptions, string, RegExp]>([
    ['no annotation', { name: null }, 'index.json.manifests[0].annotations["io.containerd.image.name"]', /is missing/],
    ['an untagged name', { name: 'corral.local/test' }, 'index.json.manifests[0].annotations["io.containerd.image.name"]', /has no tag/],
    ['an upper-case name', { name: 'corral.local/Test:1' }, 'index.json.manifests[0].annotations["io.containerd.image.name"]', /bad path component "Test"/],
    ['a digest name', { name: 'corral.local/test@sha256:00' }, 'index.json.manifests[0].annotations["io.containerd.image.name"]', /digest reference/],
    ['two manifests', { manifests: 2 }, 'index.json.manifests', /exactly one manifest .* holds 2/],
    ['no manifests', { manifests: 0 }, 'index.json.manifests', /holds 0/],
    ['manifests not an array', { index: { manifests: {} } }, 'index.json.manifests', /must be an array/],
    ['index.json not an object', { index: [1] }, 'index.json', /JSON object/],
    ['no oci-layout', { layout: null }, 'oci-layout', /is missing/],
    ['a wrong layout version', { layout: '{"imageLayoutVersion":"2.0.0"}' }, 'oci-layout.imageLayoutVersion', /must be "1.0.0", got "2.0.0"/],
    ['oci-layout not JSON', { layout: '{nope' }, 'oci-layout', /not valid JSON/],
    ['the manifest blob missing', { dropManifestBlob: true }, 'index.json.manifests[0].digest', /not in the archive/],
  ])('refuses %s, naming the field', (_what, opts, field, message) => {
    const p = problem(tar(layout(opts).entries));
    expect(p.field).toBe(field);
    expect(p.message).toMatch(message);
  });

  it('refuses a blob whose content does not match its name', () => {
    const p = problem(tar(layout({ corruptBlob: true }).entries));
    expect(p.field).toMatch(/^blobs\/sha256\/[0-9a-f]{64}$/);
    expect(p.message).toMatch(/does not match its digest/);
  });

  it('refuses a descriptor with a bad mediaType, digest or size', () => {
    const { entries } = layout();
    const index = JSON.parse(entries.find((e) => e.path === 'index.json')!.data as string);
    const bad = (d: object) => problem(tar(entries.map((e) => (e.path === 'index.json' ? { ...e, data: JSON.stringify({ ...index, manifests: [{ ...index.manifests[0], ...d }] }) } : e))));
    expect(bad({ mediaType: 'text/plain' })).toMatchObject({ field: 'index.json.manifests[0].mediaType' });
    expect(bad({ digest: 'md5:00' })).toMatchObject({ field: 'index.json.manifests[0].digest' });
    expect(bad({ size: 1 })).toMatchObject({ field: 'index.json.manifests[0].size', message: expect.stringContaining('has') });
    expect(bad({ size: -1 })).toMatchObject({ field: 'index.json.manifests[0].size' });
  });

  it('refuses what is not a tar, an empty body, and a truncated archive', () => {
    expect(problem(Buffer.from('{"just":"json"}'.padEnd(600, ' ')))).toMatchObject({ field: 'body', message: expect.stringContaining('not a tar archive') });
    expect(problem(Buffer.alloc(0))).toMatchObject({ field: 'body', message: expect.stringContaining('empty') });
    expect(problem(Buffer.from('short'))).toMatchObject({ field: 'body', message: expect.stringContaining('truncated') });
    const bytes = tar(layout().entries, { end: false });
    const cut = problem(bytes.subarray(0, 512 + 5));
    expect(cut.field).toMatch(/^blobs\/sha256\//);
    expect(cut.message).toMatch(/truncated/);
    expect(problem(Buffer.alloc(1024))).toMatchObject({ field: 'body', message: expect.stringContaining('no files') });
  });

  it('refuses a corrupt header after the first entry', () => {
    const bytes = Buffer.from(tar(layout().entries));
    // the second header: after the first entry's header and its data (padded to 512)
    const firstSize = parseInt(bytes.subarray(124, 135).toString(), 8);
    const second = 512 + Math.ceil(firstSize / 512) * 512;
    bytes[second + 10] ^= 0xff;
    expect(problem(bytes)).toMatchObject({ field: 'tar header after 1 entries', message: expect.stringContaining('checksum') });
  });

  describe('archives written by GNU tar', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'corral-oci-scan-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(['gnu', 'pax', 'ustar'])('reads the %s format, long names included', (format) => {
      const root = join(dir, format);
      const { entries } = layout();
      for (const e of entries) {
        mkdirSync(dirname(join(root, e.path)), { recursive: true });
        writeFileSync(join(root, e.path), e.data);
      }
      // an extra file with a path over 100 bytes (GNU 'L' record, PAX path, or ustar prefix)
      const long = `extra/${'d'.repeat(90)}/${'f'.repeat(60)}.txt`;
      mkdirSync(dirname(join(root, long)), { recursive: true });
      writeFileSync(join(root, long), 'x');
      const file = join(dir, `${format}.tar`);
      execFileSync('tar', ['--format', format, '-cf', file, '-C', root, '.']);
      expect(scan(readFileSync(file), 1000).name).toBe('corral.local/test:1.0');
    });
  });
});

describe('referenceProblem', () => {
  it.each(['corral.local/busybox:1.35.0', 'busybox:latest', 'localhost:5000/a/b:v1', 'registry.example.com/team/app_x:1.2-rc.1'])('accepts %s', (name) => {
    expect(referenceProblem(name)).toBeNull();
  });
  it.each(['', 'busybox', 'Busybox:1', 'a//b:1', 'a/b:', 'a/b:-x', `a:${'t'.repeat(129)}`, 'a b:1', 'a/b:1\u0000', `${'a'.repeat(250)}:latest`])('refuses %j', (name) => {
    expect(referenceProblem(name)).not.toBeNull();
  });
});
