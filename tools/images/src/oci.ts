// OCI image layout writer: layers + image config + a reference name in, one tar archive out that
// `ctr -n k8s.io images import FILE.tar` (and `skopeo copy oci-archive:…`) accept.
//
// Archive contents (image-spec v1.1 "image layout"):
//   oci-layout                 {"imageLayoutVersion":"1.0.0"}
//   index.json                 one manifest descriptor, annotated with the full name
//                              (io.containerd.image.name) and the tag (org.opencontainers.image.ref.name)
//   blobs/sha256/<hex>         gzip layers, the config (rootfs.diff_ids = sha256 of each
//                              uncompressed layer tar) and the manifest
//
// Reproducible: the same input gives a byte-identical archive (fixed mtimes, sorted entries, gzip
// without a timestamp or file name, JSON with a fixed key order). The gzip bytes come from the zlib
// bundled with Node, so a different Node release may compress differently (new digests, same files).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { normalizeEntries, TarEntry, writeTar } from './tar';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

/** 1970-01-01T00:00:00Z: the created time of every image, and the mtime of every file. */
export const EPOCH = '1970-01-01T00:00:00Z';

/** The runtime part of an image config ("config" in image-spec's config.md). */
export interface ImageRuntimeConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  /** "80/tcp", "53/udp"; written as {"80/tcp":{}} */
  ExposedPorts?: string[];
  User?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface ImageSpec {
  /** full reference with a tag, e.g. corral.local/busybox:1.36.1 */
  name: string;
  /** one entry list per layer, bottom first; each is normalized (parents added, sorted) */
  layers: TarEntry[][];
  config: ImageRuntimeConfig;
  os?: string;
  architecture?: string;
  /** history "created_by" text for each layer (defaults to a generic one) */
  createdBy?: string[];
  /** gzip level 0–9 (default 9) */
  gzipLevel?: number;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export interface LayerInfo {
  /** digest of the gzip blob (the manifest's layer descriptor) */
  digest: string;
  /** digest of the uncompressed tar (the config's rootfs.diff_ids) */
  diffId: string;
  size: number;
  uncompressedSize: number;
}

export interface BuiltImage {
  name: string;
  tag: string;
  archive: Buffer;
  manifest: Descriptor;
  config: Descriptor;
  layers: LayerInfo[];
}

export interface ImageReference {
  /** everything before the tag: registry/path */
  repository: string;
  tag: string;
}

// a practical subset of the distribution reference grammar: lower-case path components
// separated by '/', an optional registry host[:port] first, and a required tag
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Splits "host/path:tag"; throws unless it is a tagged reference without a digest. */
export function parseReference(name: string): ImageReference {
  if (name.includes('@')) throw new Error(`image name ${name}: digest references are not supported, give a tag`);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon <= slash) throw new Error(`image name ${name}: no tag (expected e.g. corral.local/busybox:1.36.1)`);
  const repository = name.slice(0, colon);
  const tag = name.slice(colon + 1);
  if (!TAG.test(tag)) throw new Error(`image name ${name}: bad tag ${JSON.stringify(tag)}`);
  const parts = repository.split('/');
  const first = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.shift()! : undefined;
  if (first !== undefined && !HOST.test(first)) throw new Error(`image name ${name}: bad registry host ${first}`);
  for (const p of parts) {
    if (!COMPONENT.test(p)) throw new Error(`image name ${name}: bad path component ${JSON.stringify(p)}`);
  }
  return { repository, tag };
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function digestOf(data: Buffer): string {
  return `sha256:${sha256(data)}`;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function runtimeConfig(c: ImageRuntimeConfig): Record<string, unknown> {
  // key order is fixed here, so the config blob (and its digest) is stable
  const out: Record<string, unknown> = {};
  if (c.User !== undefined) out.User = c.User;
  if (c.ExposedPorts && c.ExposedPorts.length > 0) {
    const ports: Record<string, object> = {};
    for (const p of [...c.ExposedPorts].sort()) {
      if (!/^\d{1,5}(\/(tcp|udp|sctp))?$/.test(p)) throw new Error(`bad exposed port ${JSON.stringify(p)} (expected e.g. 80/tcp)`);
      ports[p.includes('/') ? p : `${p}/tcp`] = {};
    }
    out.ExposedPorts = ports;
  }
  if (c.Env) out.Env = [...c.Env];
  if (c.Entrypoint) out.Entrypoint = [...c.Entrypoint];
  if (c.Cmd) out.Cmd = [...c.Cmd];
  if (c.WorkingDir !== undefined) out.WorkingDir = c.WorkingDir;
  if (c.Labels) out.Labels = Object.fromEntries(Object.entries(c.Labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  if (c.StopSignal !== undefined) out.StopSignal = c.StopSignal;
  return out;
}

/** Builds the layer blob of one entry list: uncompressed tar, its gzip, and both digests. */
export function buildLayer(entries: readonly TarEntry[], gzipLevel = 9): { tar: Buffer; gz: Buffer; info: LayerInfo } {
  const tar = writeTar(normalizeEntries(entries));
  const gz = gzipSync(tar, { level: gzipLevel });
  return { tar, gz, info: { digest: digestOf(gz), diffId: digestOf(tar), size: gz.length, uncompressedSize: tar.length } };
}

/** Builds the whole OCI layout archive in memory. */
export function buildImage(spec: ImageSpec): BuiltImage {
  const { tag } = parseReference(spec.name);
  if (spec.layers.length === 0) throw new Error(`image ${spec.name}: no layers`);
  const os = spec.os ?? 'linux';
  const architecture = spec.architecture ?? 'amd64';
  const blobs = new Map<string, Buffer>();
  const addBlob = (data: Buffer, mediaType: string): Descriptor => {
    const digest = digestOf(data);
    blobs.set(digest, data);
    return { mediaType, digest, size: data.length };
  };

  const layers = spec.layers.map((entries) => buildLayer(entries, spec.gzipLevel ?? 9));
  const layerDescriptors = layers.map((l) => addBlob(l.gz, MEDIA_TYPES.layerGzip));
  const config = addBlob(
    json({
      created: EPOCH,
      architecture,
      os,
      config: runtimeConfig(spec.config),
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.info.diffId) },
      history: layers.map((_, i) => ({
        created: EPOCH,
        created_by: spec.createdBy?.[i] ?? 'corral tools/images',
      })),
    }),
    MEDIA_TYPES.config,
  );
  const manifest = addBlob(
    json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config,
      layers: layerDescriptors,
    }),
    MEDIA_TYPES.manifest,
  );
  const manifestDescriptor: Descriptor = {
    ...manifest,
    annotations: { [ANNOTATION_IMAGE_NAME]: spec.name, [ANNOTATION_REF_NAME]: tag },
    platform: { architecture, os },
  };
  const index = json({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [manifestDescriptor] });

  const entries: TarEntry[] = [
    { type: 'file', path: 'oci-layout', data: json({ imageLayoutVersion: '1.0.0' }) },
    { type: 'file', path: 'index.json', data: index },
  ];
  for (const [digest, data] of blobs) {
    entries.push({ type: 'file', path: `blobs/${digest.replace(':', '/')}`, data });
  }
  return {
    name: spec.name,
    tag,
    archive: writeTar(normalizeEntries(entries)),
    manifest: manifestDescriptor,
    config,
    layers: layers.map((l) => l.info),
  };
}
