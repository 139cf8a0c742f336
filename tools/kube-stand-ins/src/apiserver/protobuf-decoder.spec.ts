import { decodeKubeProtobuf } from './protobuf-decoder';

// the body `kubectl create namespace x` (v1.32) sends
const NAMESPACE_X = Buffer.from('6b3873000a0f0a02763112094e616d6573706163651219 0a110a01781200 1a00220 02a00320038004200120 01a020a001a002200'.replace(/\s/g, ''), 'hex');

function field(no: number, payload: Buffer): Buffer {
  const len = payload.length;
  return Buffer.concat([Buffer.from([(no << 3) | 2, len]), payload]);
}
const str = (no: number, s: string) => field(no, Buffer.from(s));
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, Buffer.concat([str(1, apiVersion), str(2, kind)])), field(2, raw)]);

describe('decodeKubeProtobuf', () => {
  it('decodes the Namespace kubectl create namespace sends', () => {
    expect(decodeKubeProtobuf(NAMESPACE_X)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' }, spec: {} });
  });

  it('decodes ConfigMap data and Secret bytes', () => {
    const meta = field(1, Buffer.concat([str(1, 'cfg'), field(11, Buffer.concat([str(1, 'app'), str(2, 'web')]))]));
    const cm = envelope('v1', 'ConfigMap', Buffer.concat([meta, field(2, Buffer.concat([str(1, 'k'), str(2, 'v')]))]));
    expect(decodeKubeProtobuf(cm)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', labels: { app: 'web' } }, data: { k: 'v' } });
    const secret = envelope('v1', 'Secret', Buffer.concat([field(1, str(1, 's')), field(2, Buffer.concat([str(1, 'pw'), str(2, 'hunter2')])), str(3, 'Opaque')]));
    expect(decodeKubeProtobuf(secret)).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { pw: Buffer.from('hunter2').toString('base64') }, type: 'Opaque' });
  });

  it('refuses kinds it has no schema for, and non-protobuf bodies', () => {
    expect(() => decodeKubeProtobuf(envelope('v1', 'Pod', Buffer.alloc(0)))).toThrow(expect.objectContaining({ reason: 'UnsupportedMediaType' }));
    expect(() => decodeKubeProtobuf(Buffer.from('{}'))).toThrow(expect.objectContaining({ reason: 'BadRequest' }));
  });
});
