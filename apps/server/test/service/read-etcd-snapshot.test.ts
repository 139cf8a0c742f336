import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient } from '../../src/provisioning/etcd/etcd-client';
import { readEtcdSnapshot } from '../../src/provisioning/etcd/read-etcd-snapshot';

// A real etcd 3.4 (plain HTTP on a random loopback address): write, overwrite and delete keys,
// stream a snapshot through the v3 gateway, and read the keys back out of the bolt file.
describe('readEtcdSnapshot on a real etcd snapshot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-snapshot-'));
  const address = `127.${10 + Math.floor(Math.random() * 200)}.${10 + Math.floor(Math.random() * 200)}.${2 + Math.floor(Math.random() * 200)}`;
  const url = `http://${address}:2379`;
  let etcd: ChildProcess;
  let client: EtcdClient;

  beforeAll(async () => {
    etcd = spawn('/usr/bin/etcd', [
      '--name=s', `--data-dir=${join(dir, 'data')}`, `--listen-client-urls=${url}`, `--advertise-client-urls=${url}`,
      `--listen-peer-urls=http://${address}:2380`, `--initial-advertise-peer-urls=http://${address}:2380`, `--initial-cluster=s=http://${address}:2380`,
    ], { stdio: 'ignore', detached: true });
    client = new EtcdClient([url], null, 1000);
    for (let i = 0; ; i++) {
      if (await client.status().then(() => true, () => false)) break;
      if (i > 100) throw new Error('etcd did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);

  /** Puts keys in transactions of at most 100 operations (etcd's default --max-txn-ops is 128). */
  async function putAll(entries: readonly { key: Buffer; value: Buffer }[]): Promise<void> {
    for (let i = 0; i < entries.length; i += 100) {
      const success = entries.slice(i, i + 100).map((e) => ({ request_put: { key: e.key.toString('base64'), value: e.value.toString('base64') } }));
      const res = await fetch(`${url}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ compare: [], success, failure: [] }) });
      expect(res.status).toBe(200);
    }
  }

  afterAll(() => {
    if (etcd?.pid) process.kill(-etcd.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the live keys at the snapshot revision: overwrites win, deletions are gone, large values intact', async () => {
    const big = Buffer.alloc(70_000, 7); // spans overflow pages
    const entries = Array.from({ length: 600 }, (_, i) => ({ key: Buffer.from(`/registry/things/t-${String(i).padStart(4, '0')}`), value: Buffer.from(`value ${i}`) }));
    await putAll([...entries, { key: Buffer.from('/registry/big'), value: big }]);
    await putAll([{ key: Buffer.from('/registry/things/t-0001'), value: Buffer.from('changed') }]);
    const del = await fetch(`${url}/v3/kv/deleterange`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('/registry/things/t-0002').toString('base64') }) });
    expect(del.status).toBe(200);
    const { revision } = await client.status();

    const { data } = await client.snapshot(10_000);
    const contents = readEtcdSnapshot(data);
    expect(contents.revision).toBe(revision);
    const byKey = new Map(contents.keys.map((k) => [k.key.toString(), k.value]));
    expect(byKey.size).toBe(600);
    expect(byKey.get('/registry/things/t-0001')!.toString()).toBe('changed');
    expect(byKey.has('/registry/things/t-0002')).toBe(false);
    expect(byKey.get('/registry/things/t-0599')!.toString()).toBe('value 599');
    expect(byKey.get('/registry/big')!.equals(big)).toBe(true);
    expect(contents.keys.map((k) => k.key.toString())).toEqual([...byKey.keys()].sort());
  });

});
