import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { buffer } from 'node:stream/consumers';
import { EtcdClient } from '../../src/provisioning/etcd/etcd-client';

// A real etcd 3.4 (plain HTTP on a random loopback address): write, overwrite and delete keys,
// stream a snapshot through the v3 gateway into a file, and check it with etcdctl.
describe('EtcdClient snapshot stream on a real etcd', () => {
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

  /** Puts keys in transactions of at most `batch` operations (etcd's default --max-txn-ops is 128). */
  async function putAll(entries: readonly { key: Buffer; value: Buffer }[], batch = 100): Promise<void> {
    for (let i = 0; i < entries.length; i += batch) {
      const success = entries.slice(i, i + batch).map((e) => ({ request_put: { key: e.key.toString('base64'), value: e.value.toString('base64') } }));
      const res = await fetch(`${url}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ compare: [], success, failure: [] }) });
      expect(res.status).toBe(200);
    }
  }

  afterAll(() => {
    if (etcd?.pid) process.kill(-etcd.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams the database (many gateway messages) that etcdctl reads, and counts the keys', async () => {
    const big = Buffer.alloc(700_000, 7);
    const entries = Array.from({ length: 600 }, (_, i) => ({ key: Buffer.from(`/registry/things/t-${String(i).padStart(4, '0')}`), value: Buffer.from(`value ${i}`) }));
    await putAll([...entries, ...[1, 2, 3].map((n) => ({ key: Buffer.from(`/registry/big-${n}`), value: big }))], 1);
    const del = await fetch(`${url}/v3/kv/deleterange`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('/registry/things/t-0002').toString('base64') }) });
    expect(del.status).toBe(200);
    const { revision } = await client.status();
    expect(await client.countKeys()).toBe(602);

    const { stream, endpoint } = await client.snapshotStream();
    expect(endpoint).toBe(url);
    const file = join(dir, 'snap.db');
    await pipeline(stream, createWriteStream(file));
    const status = JSON.parse(execFileSync('/usr/bin/etcdctl', ['snapshot', 'status', file, '-w', 'json'], { encoding: 'utf8' })) as { revision: number; totalKey: number; totalSize: number };
    expect(status.revision).toBe(revision);
    expect(status.totalSize).toBeGreaterThan(2_000_000);
  });

  it('fails the stream when the trailing checksum does not match, and takes one split across messages', async () => {
    const db = Buffer.alloc(100_000, 3);
    const answers = [
      // the database and a wrong checksum, in two messages
      [db.subarray(0, 60_000), Buffer.concat([db.subarray(60_000), createHash('sha256').update('other').digest()])],
      // the right checksum split across messages: accepted
      [db.subarray(0, 99_990), Buffer.concat([db.subarray(99_990), createHash('sha256').update(db).digest()])],
    ];
    let n = 0;
    const server: Server = createServer((_req, res) => {
      const blobs = answers[n++];
      res.end(blobs.map((b) => `${JSON.stringify({ result: { blob: b.toString('base64') } })}\n`).join(''));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const fake = new EtcdClient([`http://127.0.0.1:${(server.address() as AddressInfo).port}`], null);
    try {
      await expect(buffer((await fake.snapshotStream()).stream)).rejects.toThrow(/does not match its checksum/);
      expect((await buffer((await fake.snapshotStream()).stream)).equals(db)).toBe(true);
    } finally {
      server.close();
    }
  });
});
