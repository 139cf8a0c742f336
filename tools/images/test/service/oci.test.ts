import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, buildImage, ImageSpec, MEDIA_TYPES, parseReference } from '../../src/oci';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-oci-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function spec(overrides: Partial<ImageSpec> = {}): ImageSpec {
  return {
    name: 'corral.local/demo:1.2.3',
    layers: [
      [
        { type: 'file', path: 'bin/app', data: Buffer.from('\x7fELF pretend'), mode: 0o755 },
        { type: 'symlink', path: 'bin/sh', target: 'app' },
        { type: 'dir', path: 'tmp', mode: 0o1777 },
      ],
      [{ type: 'file', path: 'etc/app.conf', data: Buffer.from('listen=80\n'), uid: 33, gid: 33 }],
    ],
    config: {
      Entrypoint: ['/bin/app'],
      Cmd: ['--serve'],
      Env: ['PATH=/bin', 'MODE=test'],
      WorkingDir: '/tmp',
      ExposedPorts: ['80/tcp', '53/udp', '8080'],
    },
    ...overrides,
  };
}

/** Extracts an archive with the system tar and returns the OCI layout's parsed parts. */
function unpack(archive: Buffer) {
  const out = mkdtempSync(join(dir, 'layout-'));
  writeFileSync(join(out, 'image.tar'), archive);
  const r = spawnSync('tar', ['-xf', 'image.tar'], { cwd: out, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const blob = (digest: string) => readFileSync(join(out, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
  return {
    out,
    layout: JSON.parse(readFileSync(join(out, 'oci-layout'), 'utf8')),
    index: JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')),
    blobNames: readdirSync(join(out, 'blobs', 'sha256')),
    blob,
  };
}

describe('buildImage', () => {
  it('writes an OCI layout whose blobs match their digests and sizes', () => {
    const built = buildImage(spec());
    const { layout, index, blobNames, blob } = unpack(built.archive);
    expect(layout).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe(MEDIA_TYPES.index);
    expect(index.manifests).toHaveLength(1);
    const desc = index.manifests[0];
    expect(desc).toMatchObject({
      mediaType: MEDIA_TYPES.manifest,
      annotations: { [ANNOTATION_IMAGE_NAME]: 'corral.local/demo:1.2.3', [ANNOTATION_REF_NAME]: '1.2.3' },
      platform: { architecture: 'amd64', os: 'linux' },
    });
    // every blob is named by its own sha256
    for (const name of blobNames) expect(hex(blob(name))).toBe(name);
    expect(blobNames).toHaveLength(4); // 2 layers, config, manifest

    const manifestBytes = blob(desc.digest);
    expect(manifestBytes.length).toBe(desc.size);
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe(MEDIA_TYPES.manifest);
    expect(manifest.config.mediaType).toBe(MEDIA_TYPES.config);
    expect(blob(manifest.config.digest).length).toBe(manifest.config.size);
    const config = JSON.parse(blob(manifest.config.digest).toString('utf8'));

    // diff_ids are the digests of the uncompressed layer tars, in layer order
    expect(manifest.layers).toHaveLength(2);
    manifest.layers.forEach((l: { mediaType: string; digest: string; size: number }, i: number) => {
      expect(l.mediaType).toBe(MEDIA_TYPES.layerGzip);
      const gz = blob(l.digest);
      expect(gz.length).toBe(l.size);
      expect(config.rootfs.diff_ids[i]).toBe(`sha256:${hex(gunzipSync(gz))}`);
      expect(built.layers[i]).toEqual({ digest: l.digest, diffId: config.rootfs.diff_ids[i], size: l.size, uncompressedSize: gunzipSync(gz).length });
    });
    expect(config).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      rootfs: { type: 'layers' },
      config: {
        Entrypoint: ['/bin/app'],
        Cmd: ['--serve'],
        Env: ['PATH=/bin', 'MODE=test'],
        WorkingDir: '/tmp',
        ExposedPorts: { '53/udp': {}, '80/tcp': {}, '8080/tcp': {} },
      },
    });
    expect(config.history).toHaveLength(2);
    expect(built.manifest.digest).toBe(desc.digest);
  });

  it('puts the layer entries in the layer tar (as the system tar reads them)', () => {
    const built = buildImage(spec());
    const { blob, out } = unpack(built.archive);
    writeFileSync(join(out, 'layer0.tar'), gunzipSync(blob(built.layers[0].digest)));
    const r = spawnSync('tar', ['-tvf', 'layer0.tar', '--numeric-owner'], { cwd: out, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(5).join(' '))).toEqual(['bin/', 'bin/app', 'bin/sh -> app', 'tmp/']);
    expect(lines[3]).toMatch(/^drwxrwxrwt 0\/0 .* 1970-01-01 00:00 tmp\/$/);
  });

  it('is byte-for-byte deterministic', () => {
    const a = buildImage(spec());
    const b = buildImage(spec());
    expect(a.archive.equals(b.archive)).toBe(true);
    // entry order within a layer does not matter
    const reordered = spec();
    reordered.layers[0] = [...reordered.layers[0]].reverse();
    expect(buildImage(reordered).archive.equals(a.archive)).toBe(true);
    // and the content does
    expect(buildImage(spec({ config: { Cmd: ['other'] } })).manifest.digest).not.toBe(a.manifest.digest);
  });

  it('writes gzip layers without a timestamp or file name', () => {
    const built = buildImage(spec());
    const { blob } = unpack(built.archive);
    const gz = blob(built.layers[0].digest);
    expect(gz.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 8]));
    expect(gz[3] & 0x08).toBe(0); // no FNAME
    expect(gz.readUInt32LE(4)).toBe(0); // MTIME
  });

  it('writes the outer archive with fixed mtimes and sorted paths', () => {
    const r = spawnSync('tar', ['-tv', '--numeric-owner'], { input: buildImage(spec()).archive, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    const lines = r.stdout.trim().split('\n');
    for (const l of lines) expect(l).toContain(' 0/0 ');
    for (const l of lines) expect(l).toContain('1970-01-01 00:00');
    const names = lines.map((l) => l.split(/\s+/).pop()!);
    expect(names[0]).toBe('blobs/');
    expect(names[1]).toBe('blobs/sha256/');
    expect(names.slice(-2)).toEqual(['index.json', 'oci-layout']);
    expect([...names].sort()).toEqual(names);
  });

  it('refuses names without a tag and images without layers', () => {
    expect(() => buildImage(spec({ name: 'corral.local/demo' }))).toThrow(/no tag/);
    expect(() => buildImage(spec({ layers: [] }))).toThrow(/no layers/);
    expect(() => buildImage(spec({ config: { ExposedPorts: ['http'] } }))).toThrow(/bad exposed port/);
  });
});

describe('parseReference', () => {
  it.each([
    ['corral.local/busybox:1.36.1', 'corral.local/busybox', '1.36.1'],
    ['corral.local/pause:3.10', 'corral.local/pause', '3.10'],
    ['localhost:5000/team/app:v1_2-rc.1', 'localhost:5000/team/app', 'v1_2-rc.1'],
    ['busybox:latest', 'busybox', 'latest'],
  ])('%s', (name, repository, tag) => {
    expect(parseReference(name)).toEqual({ repository, tag });
  });

  it.each([
    ['corral.local/busybox', /no tag/],
    ['localhost:5000/app', /no tag/],
    ['corral.local/BusyBox:1', /bad path component/],
    ['corral.local/busybox@sha256:abc', /digest/],
    ['corral.local/busybox:', /bad tag/],
    ['bad_host!/x:1', /bad path component/],
  ])('rejects %s', (name, message) => {
    expect(() => parseReference(name)).toThrow(message);
  });
});
