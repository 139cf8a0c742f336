import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { buffer } from 'node:stream/consumers';
import { EtcdClient, EtcdError, EtcdUnavailableError } from '../../src/etcd';

// A real etcd 3.4 (plain HTTP on a random loopback address): write, overwrite and delete keys,
// stream a snapshot through the v3 gateway into a file, and check it with etcdctl.
describe('EtcdClient (the one etcd v3 gateway client) on a real etcd', () => {
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

  it('keys, values and members on the real etcd: put, prefix range, compare-and-swap, member list', async () => {
    const rev = await client.put('/kv/a', 'one');
    expect((await client.range('/kv/', { prefix: true })).kvs.map((kv) => [kv.key, kv.value.toString(), kv.modRevision])).toEqual([['/kv/a', 'one', rev]]);
    expect((await client.txn([{ key: '/kv/a', target: 'MOD', result: 'EQUAL', modRevision: rev - 1 }], [{ put: { key: '/kv/a', value: 'x' } }])).succeeded).toBe(false);
    expect((await client.txn([{ key: '/kv/a', target: 'MOD', result: 'EQUAL', modRevision: rev }], [{ deleteRange: { key: '/kv/a', prevKv: true } }])).responses[0].prevKvs[0].value.toString()).toBe('one');
    const members = await client.memberList();
    expect(members).toEqual([expect.objectContaining({ name: 's', peerUrls: [`http://${address}:2380`], isLearner: false })]);
  });

  /** A stand-in gateway answering every POST with `status` and `body`; counts the requests. */
  async function fakeGateway(status: number, body: unknown): Promise<{ url: string; hits: () => number; close: () => void }> {
    let hits = 0;
    const server: Server = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits, close: () => server.close() };
  }

  it('moves on to the next member when one is down or has no leader, and stays with the one that answered', async () => {
    const noLeader = await fakeGateway(503, { error: 'etcdserver: no leader', code: 14, message: 'etcdserver: no leader' });
    const down = `http://127.0.0.1:1`;
    try {
      const spread = new EtcdClient([down, noLeader.url, url], null, 1000);
      expect(await spread.countKeys()).toBeGreaterThan(0);
      const hitsAfterFirst = noLeader.hits();
      expect(hitsAfterFirst).toBe(1);
      await spread.status();
      expect(noLeader.hits()).toBe(hitsAfterFirst); // the next call starts with the member that answered
      const none = new EtcdClient([down, noLeader.url], null, 1000);
      const err = await none.memberList().then(() => null, (e: Error) => e);
      expect(err).toBeInstanceOf(EtcdUnavailableError);
      expect(err!.message).toMatch(/no etcd member answered \/v3\/cluster\/member\/list \(http:\/\/127\.0\.0\.1:1: .*; http:\/\/127\.0\.0\.1:\d+: etcdserver: no leader\)/);
    } finally {
      noLeader.close();
    }
  });

  it("passes etcd's own refusals on as they are, without trying another member", async () => {
    const refusing = await fakeGateway(400, { error: 'etcdserver: re-configuration failed due to not enough started members', code: 9, message: 'etcdserver: re-configuration failed due to not enough started members' });
    try {
      const refused = new EtcdClient([refusing.url, url], null, 1000);
      const err = await refused.memberRemove('1234').then(() => null, (e: Error) => e);
      expect(err).toBeInstanceOf(EtcdError);
      expect(err).not.toBeInstanceOf(EtcdUnavailableError);
      expect((err as EtcdError).grpcCode).toBe(9);
      expect(err!.message).toBe('etcd /v3/cluster/member/remove failed (400): etcdserver: re-configuration failed due to not enough started members');
      expect(refusing.hits()).toBe(1);
    } finally {
      refusing.close();
    }
  });
});
