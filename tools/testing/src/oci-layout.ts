import { createHash } from 'node:crypto';

/**
 * Small OCI image layout archives for tests, written byte by byte (a minimal ustar writer), so
 * every way an upload can be wrong can be made on purpose. Real archives come from tools/images.
 */
export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

export interface TarFile {
  path: string;
  data: Buffer | string;
}

/** ustar, regular files only; `end: false` leaves out the two end-of-archive blocks. */
export function tar(entries: TarFile[], { end = true } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const h = Buffer.alloc(512);
    h.write(e.path, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (end) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export interface LayoutOptions {
  /** io.containerd.image.name; null leaves the annotation out */
  name?: string | null;
  /** bytes that make the layer (and so the archive) differ */
  content?: string;
  manifests?: number;
  index?: unknown;
  /** the oci-layout file's text; null leaves it out */
  layout?: string | null;
  dropManifestBlob?: boolean;
  corruptBlob?: boolean;
}

/** The files of a one-image layout (config, one layer, manifest, index.json, oci-layout). */
export function layoutFiles(opts: LayoutOptions = {}): { files: TarFile[]; manifestDigest: string } {
  const layer = Buffer.from(opts.content ?? 'pretend gzip layer');
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha256(layer)}`, size: layer.length }],
    }),
  );
  const name = opts.name === undefined ? 'corral.local/test:1.0' : opts.name;
  const descriptor = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${sha256(manifest)}`,
    size: manifest.length,
    ...(name === null ? {} : { annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.slice(name.lastIndexOf(':') + 1) } }),
  };
  const index = opts.index ?? { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: Array(opts.manifests ?? 1).fill(descriptor) };
  const files: TarFile[] = [
    { path: `blobs/sha256/${sha256(config)}`, data: config },
    { path: `blobs/sha256/${sha256(layer)}`, data: opts.corruptBlob ? Buffer.from('tampered layer') : layer },
    ...(opts.dropManifestBlob ? [] : [{ path: `blobs/sha256/${sha256(manifest)}`, data: manifest }]),
    { path: 'index.json', data: JSON.stringify(index) },
  ];
  if (opts.layout !== null) files.push({ path: 'oci-layout', data: opts.layout ?? '{"imageLayoutVersion":"1.0.0"}' });
  return { files, manifestDigest: descriptor.digest };
}

/** A whole one-image archive. */
export function ociArchive(opts: LayoutOptions = {}): Buffer {
  return tar(layoutFiles(opts).files);
}
