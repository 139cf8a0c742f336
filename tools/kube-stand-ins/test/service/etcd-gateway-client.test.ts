import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, type WatchEvent } from '@corral/kube';
import { httpsRequest, createTestPki, EtcdInstance, startEtcd, stopAll, waitFor } from '@corral/testing';

jest.setTimeout(60_000);

describe('EtcdClient (libs/kube) as the stand-in apiserver uses it, against real etcd 3.4', () => {
  let dir: string;
  let etcd: EtcdInstance;
  let client: EtcdClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'etcd-gateway-test-'));
    const pki = createTestPki(join(dir, 'pki'));
    const server = pki.issue('etcd-server', { cn: 'etcd', sans: ['127.0.0.1'], server: true, client: true });
    const tls = pki.issue('etcd-client', { cn: 'client', client: true });
    etcd = await startEtcd(dir, { ca: pki.caCert, ...server });
    await waitFor('etcd', async () => (await httpsRequest(`${etcd.url}/health`, { ca: pki.caCert, ...tls })).status === 200);
    const read = (p: string) => readFileSync(p, 'utf8');
    client = new EtcdClient([etcd.url], { caPem: read(pki.caCert), certPem: read(tls.cert), keyPem: read(tls.key) }, 2000, { keepAlive: true, watchKeepaliveMs: 1000 });
  });

  afterAll(async () => {
    client?.close();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('puts, ranges by prefix and runs compare-and-swap transactions', async () => {
    const rev = await client.put('/t/a', 'one');
    await client.put('/t/b', 'two');
    await client.put('/u/c', 'other');
    const res = await client.range('/t/', { prefix: true });
    expect(res.kvs.map((kv) => [kv.key, kv.value.toString()])).toEqual([
      ['/t/a', 'one'],
      ['/t/b', 'two'],
    ]);
    expect(res.kvs[0].modRevision).toBe(rev);
    const stale = await client.txn([{ key: '/t/a', target: 'MOD', result: 'EQUAL', modRevision: rev - 1 }], [{ put: { key: '/t/a', value: 'x' } }]);
    expect(stale.succeeded).toBe(false);
    const ok = await client.txn([{ key: '/t/a', target: 'MOD', result: 'EQUAL', modRevision: rev }], [{ deleteRange: { key: '/t/', rangeEnd: '/t0' } }]);
    expect(ok.succeeded).toBe(true);
    expect((await client.range('/t/', { prefix: true })).count).toBe(0);
  });

  it('streams watch events with previous values', async () => {
    const events: WatchEvent[] = [];
    const start = (await client.range('/w/', { prefix: true })).revision + 1;
    const stop = client.watch('/w/', { prefix: true, startRevision: start, prevKv: true }, { onEvents: (e) => events.push(...e), onCompacted: () => undefined, onEnd: () => undefined });
    await client.put('/w/x', '1');
    await client.put('/w/x', '2');
    await client.txn([], [{ deleteRange: { key: '/w/x' } }]);
    await waitFor('three events', async () => events.length === 3);
    expect(events.map((e) => [e.type, e.kv.value.toString(), e.prevKv?.value.toString()])).toEqual([
      ['PUT', '1', undefined],
      ['PUT', '2', '1'],
      ['DELETE', '', '2'],
    ]);
    stop();
  });

  it('ends watches on a member that stops answering (keepalive)', async () => {
    let ended: Error | undefined;
    client.watch('/k/', { prefix: true, prevKv: true }, { onEvents: () => undefined, onCompacted: () => undefined, onEnd: (e) => (ended = e ?? new Error('ended')) });
    process.kill(etcd.managed.proc.pid!, 'SIGSTOP');
    try {
      await waitFor('watch ended', async () => ended !== undefined, 10_000);
      expect(ended!.message).toMatch(/stopped answering/);
    } finally {
      process.kill(etcd.managed.proc.pid!, 'SIGCONT');
    }
  });
});
