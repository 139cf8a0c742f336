// Checks, while it streams in, that an upload is an OCI image layout tar that
// `ctr -n k8s.io images import` turns into exactly one named image:
//
//   oci-layout                 {"imageLayoutVersion": "1.0.0"}
//   index.json                 exactly one manifest descriptor, annotated io.containerd.image.name
//   blobs/sha256/<hex>         every blob's content matches its name; the manifest's blob is there
//
// The tar is read block by block (ustar, with PAX and GNU long names), never held in memory:
// only index.json and oci-layout (small) are kept. Each problem names where it is, as the API's
// `details[].field`.
import { createHash, type Hash } from 'node:crypto';

export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';

/** media types containerd accepts as the one image of an index */
export const IMAGE_MEDIA_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
] as const;

const BLOCK = 512;
/** index.json, oci-layout and PAX headers are small; a bigger one is not an image layout we import */
const MAX_METADATA_BYTES = 4 * 1024 * 1024;
const SHA256_BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A problem with the archive, naming where it is (a path inside the archive, or a JSON path in index.json). */
export class ImageArchiveError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
  get problem(): string {
    return this.message.slice(this.field.length + 2);
  }
}

export interface ImageArchiveInfo {
  /** the io.containerd.image.name annotation of the index's one manifest */
  name: string;
  /** that manifest's digest (sha256:…) */
  manifestDigest: string;
  manifestMediaType: string;
  /** blobs in the archive (each checked against its digest) */
  blobs: number;
}

// a practical subset of the distribution reference grammar (as tools/images writes it): an
// optional registry host[:port], lower-case path components, a required tag, no digest
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Why a name is not a tagged image reference (e.g. corral.local/busybox:1.35.0), or null when it is one. */
export function referenceProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 255) return 'must be at most 255 characters';
  if (name.includes('@')) return `${JSON.stringify(name)} is a digest reference; name the image with a tag, e.g. corral.local/busybox:1.35.0`;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon <= slash) return `${JSON.stringify(name)} has no tag (expected e.g. corral.local/busybox:1.35.0)`;
  const tag = name.slice(colon + 1);
  if (!TAG.test(tag)) return `${JSON.stringify(name)} has a bad tag ${JSON.stringify(tag)}`;
  const parts = name.slice(0, colon).split('/');
  const host = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.shift()! : undefined;
  if (host !== undefined && !HOST.test(host)) return `${JSON.stringify(name)} has a bad registry host ${JSON.stringify(host)}`;
  for (const p of parts) {
    if (!COMPONENT.test(p)) return `${JSON.stringify(name)} has a bad path component ${JSON.stringify(p)} (lower-case letters, digits and separators . _ -)`;
  }
  return null;
}

interface PendingHeader {
  path?: string;
  size?: number;
}

interface Entry {
  path: string;
  type: string;
  size: number;
  /** bytes of data still to come, then padding */
  remaining: number;
  padding: number;
  /** kept in memory (index.json, oci-layout, PAX and GNU long-name records) */
  keep: Buffer[] | null;
  keptBytes: number;
  hash: Hash | null;
  blobHex: string | null;
}

/**
 * Feed it the archive's bytes in order (push), then finish() for the result. The first problem
 * found is kept and reported by finish(); later bytes are then only counted.
 */
export class OciArchiveScanner {
  private header = Buffer.alloc(0);
  private entry: Entry | null = null;
  private pending: PendingHeader = {};
  private ended = false;
  private entries = 0;
  private bytes = 0;
  private error: ImageArchiveError | null = null;
  private readonly files = new Map<string, Buffer>();
  /** sha256 hex -> size, for blobs whose content matched their name */
  private readonly blobs = new Map<string, number>();

  get failed(): ImageArchiveError | null {
    return this.error;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.error || this.ended) return;
    try {
      this.consume(chunk);
    } catch (err) {
      if (!(err instanceof ImageArchiveError)) throw err;
      this.error = err;
    }
  }

  /** The image the archive holds; throws ImageArchiveError naming the first problem. */
  finish(): ImageArchiveInfo {
    if (this.error) throw this.error;
    if (this.bytes === 0) throw new ImageArchiveError('body', 'is empty; send an OCI image layout tar (Content-Type: application/x-tar)');
    if (this.entry) {
      const missing = this.entry.remaining > 0 ? `${this.entry.remaining} of its ${this.entry.size} bytes missing` : 'in the padding after its data';
      throw new ImageArchiveError(this.entry.path || 'body', `the archive is truncated: it ends inside this entry (${missing})`);
    }
    if (this.header.length > 0 && !this.ended) throw new ImageArchiveError('body', `the archive is truncated: it ends inside a tar header (${this.header.length} of ${BLOCK} bytes)`);
    if (this.entries === 0) throw new ImageArchiveError('body', 'holds no files; send an OCI image layout tar');
    return this.validateLayout();
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.ended) {
      const entry = this.entry;
      if (entry) {
        if (entry.remaining > 0) {
          const n = Math.min(entry.remaining, chunk.length - offset);
          const part = chunk.subarray(offset, offset + n);
          entry.hash?.update(part);
          if (entry.keep) {
            entry.keptBytes += n;
            if (entry.keptBytes > MAX_METADATA_BYTES) throw new ImageArchiveError(entry.path, `is larger than ${MAX_METADATA_BYTES / 1024 / 1024} MiB`);
            entry.keep.push(Buffer.from(part));
          }
          entry.remaining -= n;
          offset += n;
          if (entry.remaining === 0) {
            this.entryDone(entry);
            if (entry.padding === 0) this.entry = null;
          }
          continue;
        }
        const n = Math.min(entry.padding, chunk.length - offset);
        entry.padding -= n;
        offset += n;
        if (entry.padding === 0) this.entry = null;
        continue;
      }
      const need = BLOCK - this.header.length;
      const n = Math.min(need, chunk.length - offset);
      this.header = this.header.length ? Buffer.concat([this.header, chunk.subarray(offset, offset + n)]) : Buffer.from(chunk.subarray(offset, offset + n));
      offset += n;
      if (this.header.length === BLOCK) {
        const block = this.header;
        this.header = Buffer.alloc(0);
        this.readHeader(block);
      }
    }
  }

  private readHeader(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      // the end-of-archive marker (two zero blocks; one is enough to stop reading)
      this.ended = true;
      return;
    }
    const where = this.entries === 0 ? 'body' : `tar header after ${this.entries} entries`;
    const stored = parseOctal(block.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
    if (stored === null || stored !== sum) {
      throw new ImageArchiveError(where, this.entries === 0 ? 'is not a tar archive (send an OCI image layout tar, e.g. from `ctr images export` or tools/images)' : 'has a bad checksum: the archive is corrupt');
    }
    const type = String.fromCharCode(block[156] || 0x30);
    const magic = block.subarray(257, 263).toString('latin1');
    let path = cString(block.subarray(0, 100));
    if (magic.startsWith('ustar')) {
      const prefix = cString(block.subarray(345, 500));
      if (prefix) path = `${prefix}/${path}`;
    }
    const size = this.pending.size ?? parseSize(block.subarray(124, 136));
    if (size === null || size < 0) throw new ImageArchiveError(path || where, 'has an unreadable size in its tar header');
    if (this.pending.path !== undefined) path = this.pending.path;
    this.entries += 1;
    const isMeta = type === 'x' || type === 'g' || type === 'L' || type === 'K';
    if (!isMeta) this.pending = {};
    // directories, links and devices carry no data (a hard link's size field is ignored by readers)
    const hasData = type === '0' || type === '7' || isMeta || (size > 0 && !['1', '2', '3', '4', '5', '6'].includes(type));
    const dataSize = hasData ? size : 0;
    const normalized = normalizePath(path);
    const blob = type === '0' || type === '7' ? SHA256_BLOB.exec(normalized) : null;
    const keep = isMeta || ((type === '0' || type === '7') && (normalized === 'index.json' || normalized === 'oci-layout'));
    const entry: Entry = {
      path: isMeta ? `${normalized || 'tar'} (${type === 'x' || type === 'g' ? 'PAX' : 'GNU long name'} header)` : normalized,
      type,
      size: dataSize,
      remaining: dataSize,
      padding: (BLOCK - (dataSize % BLOCK)) % BLOCK,
      keep: keep ? [] : null,
      keptBytes: 0,
      hash: blob ? createHash('sha256') : null,
      blobHex: blob ? blob[1] : null,
    };
    this.entry = entry;
    if (entry.remaining === 0) {
      this.entryDone(entry);
      if (entry.padding === 0) this.entry = null;
    }
  }

  private entryDone(entry: Entry): void {
    const data = entry.keep ? Buffer.concat(entry.keep) : null;
    switch (entry.type) {
      case 'x':
        this.pending = { ...this.pending, ...parsePax(data!, entry.path) };
        return;
      case 'g':
        return; // global PAX records: nothing an OCI layout needs
      case 'L':
        this.pending = { ...this.pending, path: cString(data!) };
        return;
      case 'K':
        return;
    }
    if (entry.hash && entry.blobHex) {
      const actual = entry.hash.digest('hex');
      if (actual !== entry.blobHex) throw new ImageArchiveError(entry.path, `content does not match its digest (its SHA-256 is ${actual}): the archive is corrupt`);
      this.blobs.set(entry.blobHex, entry.size);
    }
    if (data) this.files.set(entry.path, data);
  }

  private validateLayout(): ImageArchiveInfo {
    const layoutText = this.files.get('oci-layout');
    if (!layoutText) throw new ImageArchiveError('oci-layout', 'is missing: not an OCI image layout (a Docker `docker save` archive is not accepted; export with `ctr images export` or `skopeo copy … oci-archive:FILE`)');
    const layout = parseJson(layoutText, 'oci-layout') as { imageLayoutVersion?: unknown };
    if (!isObject(layout) || layout.imageLayoutVersion !== '1.0.0') {
      throw new ImageArchiveError('oci-layout.imageLayoutVersion', `must be "1.0.0", got ${JSON.stringify(isObject(layout) ? layout.imageLayoutVersion : layout)}`);
    }
    const indexText = this.files.get('index.json');
    if (!indexText) throw new ImageArchiveError('index.json', 'is missing: not an OCI image layout');
    const index = parseJson(indexText, 'index.json') as { manifests?: unknown };
    if (!isObject(index)) throw new ImageArchiveError('index.json', 'must be a JSON object');
    if (!Array.isArray(index.manifests)) throw new ImageArchiveError('index.json.manifests', 'must be an array holding one manifest descriptor');
    if (index.manifests.length !== 1) {
      throw new ImageArchiveError('index.json.manifests', `must hold exactly one manifest (one image per archive), holds ${index.manifests.length}`);
    }
    const d = index.manifests[0] as Record<string, unknown>;
    const at = 'index.json.manifests[0]';
    if (!isObject(d)) throw new ImageArchiveError(at, 'must be a descriptor object');
    if (typeof d.mediaType !== 'string' || !(IMAGE_MEDIA_TYPES as readonly string[]).includes(d.mediaType)) {
      throw new ImageArchiveError(`${at}.mediaType`, `must be one of ${IMAGE_MEDIA_TYPES.join(', ')}, got ${JSON.stringify(d.mediaType)}`);
    }
    if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) throw new ImageArchiveError(`${at}.digest`, `must be sha256:<64 hex digits>, got ${JSON.stringify(d.digest)}`);
    if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw new ImageArchiveError(`${at}.size`, `must be a non-negative integer, got ${JSON.stringify(d.size)}`);
    const annotations = d.annotations as Record<string, unknown> | undefined;
    const nameField = `${at}.annotations["${ANNOTATION_IMAGE_NAME}"]`;
    const name = isObject(annotations) ? annotations[ANNOTATION_IMAGE_NAME] : undefined;
    if (typeof name !== 'string') {
      throw new ImageArchiveError(nameField, 'is missing: the manifest must carry the full image name (e.g. corral.local/busybox:1.35.0), which hosts import it under');
    }
    const problem = referenceProblem(name);
    if (problem) throw new ImageArchiveError(nameField, problem);
    const hex = d.digest.slice('sha256:'.length);
    const blobSize = this.blobs.get(hex);
    if (blobSize === undefined) throw new ImageArchiveError(`${at}.digest`, `names blobs/sha256/${hex}, which is not in the archive`);
    if (blobSize !== d.size) throw new ImageArchiveError(`${at}.size`, `is ${d.size}, but blobs/sha256/${hex} has ${blobSize} bytes`);
    return { name, manifestDigest: d.digest, manifestMediaType: d.mediaType, blobs: this.blobs.size };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(data: Buffer, field: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new ImageArchiveError(field, `is not valid JSON (${(err as Error).message})`);
  }
}

/** "./index.json" -> "index.json"; "blobs//sha256/x" -> "blobs/sha256/x" */
export function normalizePath(path: string): string {
  return path
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}

function cString(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul === -1 ? buf.length : nul).toString('utf8');
}

function parseOctal(buf: Buffer): number | null {
  const text = cString(buf).replace(/ /g, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return null;
  return parseInt(text, 8);
}

/** octal, or GNU base-256 (high bit of the first byte set) for sizes over 8 GiB */
function parseSize(buf: Buffer): number | null {
  if (buf[0] & 0x80) {
    if (buf[0] & 0x40) return null; // negative
    let value = buf[0] & 0x3f;
    for (let i = 1; i < buf.length; i++) {
      value = value * 256 + buf[i];
      if (!Number.isSafeInteger(value)) return null;
    }
    return value;
  }
  return parseOctal(buf);
}

/** PAX extended header records: "<len> <key>=<value>\n" */
function parsePax(data: Buffer, where: string): PendingHeader {
  const out: PendingHeader = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = space === -1 ? NaN : Number(data.subarray(offset, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0 || offset + length > data.length) throw new ImageArchiveError(where, 'has a malformed PAX record: the archive is corrupt');
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) {
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      if (key === 'path') out.path = value;
      if (key === 'size') {
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new ImageArchiveError(where, `has a bad PAX size ${JSON.stringify(value)}`);
        out.size = Number(value);
      }
    }
    offset += length;
  }
  return out;
}
