/**
 * Reads the keys of an etcd v3 snapshot: a bbolt database whose "key" bucket maps revisions
 * (8-byte main revision, '_', 8-byte sub revision, 't' for a deletion) to mvccpb.KeyValue
 * protobufs. Replaying it in revision order gives the state at the snapshot's revision.
 * Pure: a Buffer in, keys out. Throws on anything that is not a well-formed snapshot.
 */

export interface SnapshotKeyValue {
  key: Buffer;
  value: Buffer;
  /** etcd lease id (0 = none), as a decimal string */
  lease: string;
  modRevision: number;
}

export interface EtcdSnapshotContents {
  /** live keys at the snapshot's revision, in key order */
  keys: SnapshotKeyValue[];
  /** highest revision found */
  revision: number;
}

const MAGIC = 0xed0cdaed;
const BRANCH = 0x01;
const LEAF = 0x02;
const BUCKET_LEAF = 0x01;
const PAGE_HEADER = 16;
const ELEMENT = 16;
const MAX_DEPTH = 64;

interface Page {
  buf: Buffer;
  /** offset of the page header in buf */
  at: number;
}

class BoltReader {
  readonly pageSize: number;
  readonly rootPgid: bigint;

  constructor(private readonly db: Buffer) {
    if (db.length < 2 * 512) throw new Error('etcd snapshot: too short to be a bolt database');
    const metas = [0, 1]
      .map((i) => this.meta(i))
      .filter((m): m is NonNullable<ReturnType<BoltReader['meta']>> => m !== null)
      .sort((a, b) => (a.txid > b.txid ? -1 : 1));
    if (metas.length === 0) throw new Error('etcd snapshot: no valid bolt meta page');
    this.pageSize = metas[0].pageSize;
    this.rootPgid = metas[0].root;
  }

  /** Meta page i, or null when its magic or checksum is wrong. */
  private meta(i: number) {
    // meta page 1 sits one page in; the page size comes from meta page 0 (4096 when that is unreadable)
    const size0 = this.db.readUInt32LE(PAGE_HEADER + 8);
    const at = i === 0 ? 0 : size0 >= 512 && size0 <= 65536 ? size0 : 4096;
    if (at + PAGE_HEADER + 72 > this.db.length) return null;
    const m = at + PAGE_HEADER;
    if (this.db.readUInt32LE(m) !== MAGIC || this.db.readUInt32LE(m + 4) !== 2) return null;
    if (fnv64a(this.db.subarray(m, m + 56)) !== this.db.readBigUInt64LE(m + 56)) return null;
    return { pageSize: this.db.readUInt32LE(m + 8), root: this.db.readBigUInt64LE(m + 16), txid: this.db.readBigUInt64LE(m + 48) };
  }

  page(pgid: bigint): Page {
    const at = Number(pgid) * this.pageSize;
    if (!Number.isSafeInteger(at) || at + PAGE_HEADER > this.db.length) throw new Error(`etcd snapshot: page ${pgid} is outside the file`);
    return { buf: this.db, at };
  }

  /** Every leaf element under the page, in key order. */
  *walk(page: Page, depth = 0): Generator<{ flags: number; key: Buffer; value: Buffer }> {
    if (depth > MAX_DEPTH) throw new Error('etcd snapshot: b+tree deeper than expected (corrupt?)');
    const { buf, at } = page;
    const flags = buf.readUInt16LE(at + 8);
    const count = buf.readUInt16LE(at + 10);
    for (let i = 0; i < count; i++) {
      const el = at + PAGE_HEADER + i * ELEMENT;
      if (el + ELEMENT > buf.length) throw new Error('etcd snapshot: element outside its page');
      if (flags & BRANCH) {
        yield* this.walk(this.page(buf.readBigUInt64LE(el + 8)), depth + 1);
      } else if (flags & LEAF) {
        const elFlags = buf.readUInt32LE(el);
        const pos = buf.readUInt32LE(el + 4);
        const ksize = buf.readUInt32LE(el + 8);
        const vsize = buf.readUInt32LE(el + 12);
        const start = el + pos;
        if (start + ksize + vsize > buf.length) throw new Error('etcd snapshot: leaf value outside the file');
        yield { flags: elFlags, key: buf.subarray(start, start + ksize), value: buf.subarray(start + ksize, start + ksize + vsize) };
      } else {
        throw new Error(`etcd snapshot: unexpected page type ${flags}`);
      }
    }
  }

  /** The elements of a top-level bucket, or null when there is no such bucket. */
  *bucket(name: string): Generator<{ flags: number; key: Buffer; value: Buffer }> {
    for (const e of this.walk(this.page(this.rootPgid))) {
      if (!(e.flags & BUCKET_LEAF) || e.key.toString('latin1') !== name) continue;
      const root = e.value.readBigUInt64LE(0);
      // root 0: an inline bucket, its single page follows the 16-byte bucket header
      yield* root === 0n ? this.walk({ buf: Buffer.from(e.value.subarray(16)), at: 0 }) : this.walk(this.page(root));
      return;
    }
    throw new Error(`etcd snapshot: no "${name}" bucket (not an etcd v3 database?)`);
  }
}

function fnv64a(data: Buffer): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of data) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

/** Decodes the fields of mvccpb.KeyValue that a restore needs. */
function decodeKeyValue(buf: Buffer): { key: Buffer; value: Buffer; modRevision: number; lease: bigint } {
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length || shift > 63n) throw new Error('etcd snapshot: bad varint in a key value');
      const b = buf[i++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  };
  const out = { key: Buffer.alloc(0), value: Buffer.alloc(0), modRevision: 0, lease: 0n };
  while (i < buf.length) {
    const tag = Number(varint());
    const field = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 3) out.modRevision = Number(v);
      else if (field === 6) out.lease = v;
    } else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error('etcd snapshot: bad length in a key value');
      const bytes = buf.subarray(i, i + len);
      i += len;
      if (field === 1) out.key = Buffer.from(bytes);
      else if (field === 5) out.value = Buffer.from(bytes);
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`etcd snapshot: unexpected protobuf wire type ${wire}`);
  }
  return out;
}

export function readEtcdSnapshot(db: Buffer): EtcdSnapshotContents {
  const reader = new BoltReader(db);
  const live = new Map<string, SnapshotKeyValue>();
  let revision = 0;
  for (const e of reader.bucket('key')) {
    if (e.key.length !== 17 && !(e.key.length === 18 && e.key[17] === 0x74)) throw new Error('etcd snapshot: unexpected revision key');
    revision = Math.max(revision, Number(e.key.readBigUInt64BE(0)));
    const kv = decodeKeyValue(e.value);
    const id = kv.key.toString('latin1');
    if (e.key.length === 18) live.delete(id);
    else live.set(id, { key: kv.key, value: kv.value, lease: kv.lease.toString(), modRevision: kv.modRevision });
  }
  const keys = [...live.values()].sort((a, b) => Buffer.compare(a.key, b.key));
  return { keys, revision };
}
