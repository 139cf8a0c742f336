// A minimal, deterministic tar writer (POSIX ustar headers, PAX extended headers where ustar
// cannot hold a value). Node has no tar module; image layers and the OCI layout archive are
// written with this.
//
// Each entry is written exactly as given, in the order given: sorting and implicit parent
// directories are the caller's business (see normalizeEntries). A path that does not fit the
// 100-byte ustar name field, or is not plain ASCII, goes into a PAX 'path' record (likewise
// 'linkpath', and 'size'/'uid'/'gid' past the octal fields' range), which GNU tar, bsdtar and Go's
// archive/tar (containerd) all read.

const BLOCK = 512;

export type TarEntry = TarFile | TarDirectory | TarSymlink;

interface TarEntryBase {
  /** relative path inside the archive, '/'-separated, without a leading '/' */
  path: string;
  /** permission bits including setuid/setgid/sticky (e.g. 0o1777) */
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** seconds since the epoch; defaults to the writer's mtime (0) */
  mtime?: number;
}

export interface TarFile extends TarEntryBase {
  type: 'file';
  data: Buffer;
}

export interface TarDirectory extends TarEntryBase {
  type: 'dir';
}

export interface TarSymlink extends TarEntryBase {
  type: 'symlink';
  /** where the link points, stored verbatim (relative or absolute) */
  target: string;
}

export interface TarOptions {
  /** mtime for entries that carry none; default 0 (1970-01-01) so output is reproducible */
  mtime?: number;
}

const DEFAULT_MODE = { file: 0o644, dir: 0o755, symlink: 0o777 } as const;
const TYPEFLAG = { file: '0', dir: '5', symlink: '2' } as const;
const PAX_TYPEFLAG = 'x';

/** Largest value an octal field of `width` bytes holds with its NUL terminator. */
function octalMax(width: number): number {
  return 8 ** (width - 1) - 1;
}

/** Checks and canonicalizes an archive path: no leading '/', './', '..', empty segments or NUL. */
export function cleanPath(path: string): string {
  if (path.includes('\0')) throw new Error(`tar: path contains NUL: ${JSON.stringify(path)}`);
  const parts = path.split('/').filter((p, i) => !(p === '' && i === 0) && !(p === '.' && i === 0));
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0) throw new Error(`tar: empty path ${JSON.stringify(path)}`);
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..') throw new Error(`tar: bad path ${JSON.stringify(path)}`);
  }
  return parts.join('/');
}

/** Plain 7-bit ASCII without NUL: what a ustar string field holds unambiguously. */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) return false;
  }
  return true;
}

/** One PAX record "LEN key=value\n", where LEN counts the whole record including itself. */
export function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return Buffer.from(`${len}${body}`, 'utf8');
}

interface HeaderFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
}

function writeString(buf: Buffer, offset: number, width: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > width) throw new Error(`tar: field value too long (${bytes.length} > ${width}): ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, width: number, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > octalMax(width)) {
    throw new Error(`tar: ${value} does not fit an octal field of ${width} bytes`);
  }
  writeString(buf, offset, width - 1, value.toString(8).padStart(width - 1, '0'));
  buf[offset + width - 1] = 0;
}

/** A 512-byte ustar header block. */
export function ustarHeader(f: HeaderFields): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, f.name);
  writeOctal(h, 100, 8, f.mode);
  writeOctal(h, 108, 8, f.uid);
  writeOctal(h, 116, 8, f.gid);
  writeOctal(h, 124, 12, f.size);
  writeOctal(h, 136, 12, f.mtime);
  h.fill(0x20, 148, 156); // checksum counted as spaces
  writeString(h, 156, 1, f.typeflag);
  writeString(h, 157, 100, f.linkname);
  writeString(h, 257, 6, 'ustar'); // "ustar\0"
  writeString(h, 263, 2, '00');
  writeString(h, 265, 32, f.uname);
  writeString(h, 297, 32, f.gname);
  writeOctal(h, 329, 8, 0); // devmajor
  writeOctal(h, 337, 8, 0); // devminor
  // prefix (345..500) stays empty: long names go to PAX records instead
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, 148, 7, sum.toString(8).padStart(6, '0')); // 6 digits, NUL, space
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** A ustar name field value for a PAX header: "PaxHeaders.0/<base>", fit to 100 bytes. */
function paxHeaderName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  let name = `PaxHeaders.0/${base}`;
  while (Buffer.byteLength(name) > 100 || !isAscii(name)) name = name.slice(0, -1);
  return name;
}

/** Fits `value` into a ustar string field, or returns a placeholder and adds a PAX record. */
function fitString(value: string, width: number, key: string, pax: Buffer[]): string {
  if (Buffer.byteLength(value) <= width && isAscii(value)) return value;
  pax.push(paxRecord(key, value));
  // the header still gets an ASCII placeholder so readers without PAX see something sane
  let placeholder = [...value].map((ch) => (isAscii(ch) ? ch : '_')).join('');
  while (Buffer.byteLength(placeholder) > width) placeholder = placeholder.slice(Buffer.byteLength(placeholder) - width);
  return placeholder;
}

function fitNumber(value: number, width: number, key: string, pax: Buffer[]): number {
  if (value <= octalMax(width)) return value;
  pax.push(paxRecord(key, String(value)));
  return 0;
}

/** The header block(s) and data of one entry, padded to 512-byte blocks. */
export function entryBlocks(entry: TarEntry, opts: TarOptions = {}): Buffer[] {
  const path = cleanPath(entry.path);
  const mode = entry.mode ?? DEFAULT_MODE[entry.type];
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new Error(`tar: bad mode ${mode} for ${path}`);
  const uid = entry.uid ?? 0;
  const gid = entry.gid ?? 0;
  for (const [k, v] of [['uid', uid], ['gid', gid]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`tar: bad ${k} ${v} for ${path}`);
  }
  const mtime = entry.mtime ?? opts.mtime ?? 0;
  const data = entry.type === 'file' ? entry.data : Buffer.alloc(0);
  const pax: Buffer[] = [];
  const name = fitString(entry.type === 'dir' ? `${path}/` : path, 100, 'path', pax);
  const linkname = entry.type === 'symlink' ? fitString(entry.target, 100, 'linkpath', pax) : '';
  if (entry.type === 'symlink' && (entry.target === '' || entry.target.includes('\0'))) {
    throw new Error(`tar: bad symlink target for ${path}`);
  }
  const fields: HeaderFields = {
    name,
    mode,
    uid: fitNumber(uid, 8, 'uid', pax),
    gid: fitNumber(gid, 8, 'gid', pax),
    size: fitNumber(data.length, 12, 'size', pax),
    mtime,
    typeflag: TYPEFLAG[entry.type],
    linkname,
    uname: fitString(entry.uname ?? '', 32, 'uname', pax),
    gname: fitString(entry.gname ?? '', 32, 'gname', pax),
  };
  const out: Buffer[] = [];
  if (pax.length > 0) {
    const records = Buffer.concat(pax);
    out.push(
      ustarHeader({
        name: paxHeaderName(path),
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: records.length,
        mtime,
        typeflag: PAX_TYPEFLAG,
        linkname: '',
        uname: '',
        gname: '',
      }),
      records,
      padding(records.length),
    );
  }
  out.push(ustarHeader(fields));
  if (data.length > 0) out.push(data, padding(data.length));
  return out;
}

/** A complete tar archive (entries in the given order, then two zero blocks). */
export function writeTar(entries: readonly TarEntry[], opts: TarOptions = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) parts.push(...entryBlocks(e, opts));
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/**
 * Canonical entry list for a reproducible layer: paths cleaned, missing parent directories added
 * (0755, root), entries sorted by path bytes (so every directory precedes its contents).
 * A path given twice is an error.
 */
export function normalizeEntries(entries: readonly TarEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) {
    const path = cleanPath(e.path);
    if (byPath.has(path)) throw new Error(`tar: duplicate path ${path}`);
    byPath.set(path, { ...e, path });
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byPath.get(parent);
      if (!existing) byPath.set(parent, { type: 'dir', path: parent });
      else if (existing.type !== 'dir') throw new Error(`tar: ${parent} is a ${existing.type} but ${path} is inside it`);
    }
  }
  return [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}
