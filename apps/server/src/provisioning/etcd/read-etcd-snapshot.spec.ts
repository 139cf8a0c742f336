import { readEtcdSnapshot } from './read-etcd-snapshot';

// reading a real etcd's snapshot: apps/server/test/read-etcd-snapshot.test.ts (service tier)
describe('readEtcdSnapshot', () => {
  it('refuses what is not a bolt database', () => {
    expect(() => readEtcdSnapshot(Buffer.alloc(8192, 1))).toThrow(/meta page/);
    expect(() => readEtcdSnapshot(Buffer.from('short'))).toThrow(/too short/);
  });
});
