import { ApiError } from './api-status';

/**
 * Decoder for the Kubernetes protobuf encoding (`application/vnd.kubernetes.protobuf`) of the
 * few objects kubectl's typed clients send: `kubectl create namespace|configmap|secret`
 * POST their object as protobuf and DELETE sends DeleteOptions that way. Everything else
 * clients send as JSON. Responses are always JSON, which those clients also accept.
 */

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Scalar = 'string' | 'bytes' | 'int' | 'bool';
interface FieldSpec {
  name: string;
  type: Scalar | Schema;
  repeated?: boolean;
  /** map<string, value> entries (key is field 1, value field 2) */
  mapValue?: Scalar;
}
type Schema = Record<number, FieldSpec>;

const OBJECT_META: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  11: { name: 'labels', type: 'string', mapValue: 'string' },
  12: { name: 'annotations', type: 'string', mapValue: 'string' },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const SCHEMAS: Record<string, Schema> = {
  Namespace: {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'spec', type: { 1: { name: 'finalizers', type: 'string', repeated: true } } },
  },
  ConfigMap: {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'data', type: 'string', mapValue: 'string' },
    3: { name: 'binaryData', type: 'string', mapValue: 'bytes' },
    4: { name: 'immutable', type: 'bool' },
  },
  Secret: {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'data', type: 'string', mapValue: 'bytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'string', mapValue: 'string' },
    5: { name: 'immutable', type: 'bool' },
  },
  DeleteOptions: {
    1: { name: 'gracePeriodSeconds', type: 'int' },
    2: {
      name: 'preconditions',
      type: {
        1: { name: 'uid', type: 'string' },
        2: { name: 'resourceVersion', type: 'string' },
      },
    },
    4: { name: 'propagationPolicy', type: 'string' },
    5: { name: 'dryRun', type: 'string', repeated: true },
  },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new Error('varint too long');
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function scalar(type: Scalar, wireType: number, r: Reader): unknown {
  if (type === 'int' || type === 'bool') {
    if (wireType !== 0) throw new Error('expected varint');
    const v = BigInt.asIntN(64, r.varint());
    return type === 'bool' ? v !== 0n : Number(v);
  }
  if (wireType !== 2) throw new Error('expected length-delimited field');
  const bytes = r.bytes();
  return type === 'bytes' ? bytes.toString('base64') : bytes.toString('utf8');
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = Number(r.varint());
    const field = tag >>> 3;
    const wireType = tag & 7;
    const spec = schema[field];
    if (!spec) {
      r.skip(wireType);
      continue;
    }
    if (spec.mapValue) {
      const entry = new Reader(r.bytes());
      let key = '';
      let value: unknown = spec.mapValue === 'bytes' ? '' : '';
      while (!entry.done) {
        const t = Number(entry.varint());
        if (t >>> 3 === 1) key = String(scalar('string', t & 7, entry));
        else if (t >>> 3 === 2) value = scalar(spec.mapValue, t & 7, entry);
        else entry.skip(t & 7);
      }
      out[spec.name] = { ...((out[spec.name] as object) ?? {}), [key]: value };
      continue;
    }
    const value = typeof spec.type === 'string' ? scalar(spec.type, wireType, r) : decodeMessage(r.bytes(), spec.type);
    // proto2 optionals arrive even when empty; JSON omits them (omitempty)
    if ((value === '' || value === 0 || value === false) && !spec.repeated) continue;
    if (spec.repeated) out[spec.name] = [...((out[spec.name] as unknown[]) ?? []), value];
    else out[spec.name] = value;
  }
  return out;
}

export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === PROTOBUF_CONTENT_TYPE;
}

/** Decodes a `k8s\0`-prefixed runtime.Unknown envelope into the JSON form of its object. */
export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new ApiError('BadRequest', 'the body of the request was in an unknown format: missing protobuf magic');
  try {
    const unknown = decodeMessage(body.subarray(4), {
      1: { name: 'typeMeta', type: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } },
      2: { name: 'raw', type: 'bytes' },
    });
    const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
    const schema = typeMeta.kind ? SCHEMAS[typeMeta.kind] : undefined;
    if (!schema) {
      throw new ApiError('UnsupportedMediaType', `the stand-in decodes protobuf only for ${Object.keys(SCHEMAS).join(', ')}; send ${typeMeta.kind ?? 'this object'} as application/json`);
    }
    const obj = decodeMessage(Buffer.from(String(unknown.raw ?? ''), 'base64'), schema);
    return typeMeta.kind === 'DeleteOptions' ? obj : { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...obj };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError('BadRequest', `the body of the request was in an unknown format: ${(e as Error).message}`);
  }
}
