/**
 * The first pages of a bbolt database file (what etcd's snapshot is), enough to tell that a
 * stored snapshot really holds one before a restore replaces a cluster with it. bbolt starts
 * with two meta pages (0 and 1), each a 16-byte page header (id u64, flags u16, count u16,
 * overflow u32) and a meta (magic u32, version u32, page size u32, flags u32, root bucket 16,
 * freelist u64, pgid u64, txid u64, checksum u64): little-endian, the checksum an FNV-1a 64 of
 * the meta's first 56 bytes. bbolt opens a file when either meta page is intact; so does this.
 */
export const BBOLT_MAGIC = 0xed0cdaed;
export const BBOLT_VERSION = 2;
export const BBOLT_META_PAGE_FLAG = 0x04;
const PAGE_HEADER_BYTES = 16;
const META_SUMMED_BYTES = 56;
/** bytes of a meta page that carry its meta (header, meta, checksum) */
export const BBOLT_META_BYTES = PAGE_HEADER_BYTES + META_SUMMED_BYTES + 8;
const MIN_PAGE_SIZE = 512;
const MAX_PAGE_SIZE = 1 << 20;

/** FNV-1a, 64 bits, as Go's hash/fnv New64a */
export function fnv1a64(bytes: Uint8Array): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash;
}

/**
 * Why `head` (the first bytes of a file: at least BBOLT_META_BYTES, ideally two pages) does not
 * start like a bbolt database, or null when it does.
 */
export function bboltHeaderProblem(head: Uint8Array): string | null {
  if (head.length < BBOLT_META_BYTES) return `it holds ${head.length} bytes, fewer than a bbolt meta page`;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = view.getUint32(PAGE_HEADER_BYTES, true);
  if (magic !== BBOLT_MAGIC) return `it does not start like a bbolt database (magic 0x${magic.toString(16).padStart(8, '0')}, not 0x${BBOLT_MAGIC.toString(16)})`;
  if (!(view.getUint16(8, true) & BBOLT_META_PAGE_FLAG)) return 'its first page is not a bbolt meta page';
  const version = view.getUint32(PAGE_HEADER_BYTES + 4, true);
  if (version !== BBOLT_VERSION) return `its bbolt format version is ${version}, not ${BBOLT_VERSION}`;
  const pageSize = view.getUint32(PAGE_HEADER_BYTES + 8, true);
  if (pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || (pageSize & (pageSize - 1)) !== 0) return `its bbolt page size ${pageSize} is not a power of two from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}`;
  const intact = (pageOffset: number): boolean => {
    if (head.length < pageOffset + BBOLT_META_BYTES) return false;
    const meta = pageOffset + PAGE_HEADER_BYTES;
    return view.getUint32(meta, true) === BBOLT_MAGIC && fnv1a64(head.subarray(meta, meta + META_SUMMED_BYTES)) === view.getBigUint64(meta + META_SUMMED_BYTES, true);
  };
  if (!intact(0) && !intact(pageSize)) return 'its bbolt meta pages fail their checksums';
  return null;
}

/**
 * The first two pages of a bbolt file as etcd's snapshot begins (both meta pages, checksummed),
 * followed by `tail`: what bboltHeaderProblem accepts, not a database etcd could load (for tests
 * and benches that store snapshots without an etcd).
 */
export function bboltFileStart(tail: Uint8Array = new Uint8Array(0), pageSize = 4096): Uint8Array {
  const file = new Uint8Array(2 * pageSize + tail.length);
  const view = new DataView(file.buffer);
  for (const id of [0, 1]) {
    const page = id * pageSize;
    const meta = page + PAGE_HEADER_BYTES;
    view.setBigUint64(page, BigInt(id), true);
    view.setUint16(page + 8, BBOLT_META_PAGE_FLAG, true);
    view.setUint32(meta, BBOLT_MAGIC, true);
    view.setUint32(meta + 4, BBOLT_VERSION, true);
    view.setUint32(meta + 8, pageSize, true);
    view.setBigUint64(meta + 16, 3n, true); // root bucket page
    view.setBigUint64(meta + 32, 2n, true); // freelist page
    view.setBigUint64(meta + 40, 4n, true); // high water mark
    view.setBigUint64(meta + 48, BigInt(id), true); // txid
    view.setBigUint64(meta + META_SUMMED_BYTES, fnv1a64(file.subarray(meta, meta + META_SUMMED_BYTES)), true);
  }
  file.set(tail, 2 * pageSize);
  return file;
}
