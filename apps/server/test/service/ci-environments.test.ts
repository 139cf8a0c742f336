import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { EventsService } from '../../src/events/events.service';
import { apiClient } from '@corral/testing';
import { REDIS_URL, TestServer, eventually, isolatedConfig, startTestServer } from '../support/test-server';
import { openEventStream } from '../support/sse-client';
import { requestFingerprint } from '../../src/idempotency/request-fingerprint';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The server side of ephemeral CI environments against real PostgreSQL and Redis: pool claims,
 * Idempotency-Key, waitFor, the SSE event stream across replicas, and TTL (also across a
 * server restart). Pool hosts here are registered through the agent API without agents: a host
 * that never reports a component counts as wiped, which is all a claim needs.
 */
describe('CI environments: host pools, idempotent create, wait, event stream, TTL', () => {
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    // pool hosts here register without agents and never heartbeat: keep them active for the whole suite
    server = await startTestServer(isolatedConfig({ CORRAL_SWEEP_INTERVAL: '300ms', CORRAL_HOST_DISCONNECTED_AFTER: '10m', CORRAL_HOST_LOST_AFTER: '20m' }));
    admin = apiClient(server.url, server.adminKey);
  });
  afterAll(() => server?.close());

  async function poolHosts(pool: string, count: number, labels: (i: number) => Record<string, string> = () => ({})) {
    const token = (await admin.post(`/v1/pools/${pool}/registration-tokens`, {})).body.token;
    const hosts: { hostId: string; credential: string }[] = [];
    for (let i = 0; i < count; i++) {
      const reg = await apiClient(server.url).post('/v1/agent/register', { token, hostname: `${pool}-${i}`, addresses: [`127.0.9.${i + 2}`], labels: labels(i) });
      expect(reg.status).toBe(201);
      hosts.push(reg.body);
    }
    return hosts;
  }
  const hostRows = (pool: string) => server.sql<{ id: string; environment_id: string | null; pool: string }>('SELECT id, environment_id, pool FROM hosts WHERE pool = $1', [pool]);
  const poolView = async (name: string) => (await admin.get('/v1/pools')).body.items.find((p: any) => p.name === name);

  it('claims idle pool hosts atomically: concurrent creates never share a host; too few idle answers 409 with how many are free', async () => {
    await poolHosts('race', 6);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => admin.post('/v1/environments', { name: `race-${i}`, hosts: { pool: 'race', count: 2 } })));
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(3);
    expect(refused).toHaveLength(2);
    for (const r of refused) expect(r.body.message).toMatch(/not enough idle hosts in pool "race": 0 free, 2 requested/);
    for (const r of created) expect(r.body.hosts).toEqual({ pool: 'race', count: 2, labelSelector: null, waitForHosts: false });

    const rows = await hostRows('race');
    expect(rows.every((h) => h.environment_id)).toBe(true);
    const perEnv = new Map<string, number>();
    for (const h of rows) perEnv.set(h.environment_id!, (perEnv.get(h.environment_id!) ?? 0) + 1);
    expect([...perEnv.keys()].sort()).toEqual(created.map((r) => r.body.id).sort());
    expect([...perEnv.values()]).toEqual([2, 2, 2]);
    // the refused creates left nothing behind
    expect((await server.sql(`SELECT name FROM environments WHERE name LIKE 'race-%'`)).length).toBe(3);

    expect(await poolView('race')).toEqual({ name: 'race', hosts: { total: 6, idle: 0, claimed: 6, unavailable: 0 }, waitingEnvironments: 0 });
    const listed = (await admin.get('/v1/hosts?pool=race')).body.items;
    expect(listed).toHaveLength(6);
    const claimedEvents = (await Promise.all(created.map(async (r) => (await admin.get(`/v1/environments/${r.body.id}/events`)).body.items))).flat().filter((e: any) => e.reason === 'HostClaimed');
    expect(new Set(claimedEvents.map((e: any) => e.hostId)).size).toBe(6);
  });

  it('claims by label selector and checks the claim', async () => {
    await poolHosts('sel', 2, (i) => (i === 1 ? { disk: 'ssd' } : { disk: 'hdd' }));
    const ssd = await admin.post('/v1/environments', { name: 'sel-ssd', hosts: { pool: 'sel', count: 1, labelSelector: 'disk=ssd' } });
    expect(ssd.status).toBe(201);
    const [claimed] = await server.sql<{ hostname: string }>('SELECT hostname FROM hosts WHERE environment_id = $1', [ssd.body.id]);
    expect(claimed.hostname).toBe('sel-1');
    const again = await admin.post('/v1/environments', { name: 'sel-ssd-2', hosts: { pool: 'sel', count: 1, labelSelector: 'disk=ssd' } });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('matching "disk=ssd": 0 free, 1 requested');

    const bad = async (body: object, field: string) => {
      const res = await admin.post('/v1/environments', { name: 'sel-bad', ...body });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    };
    await bad({ waitForHosts: true }, 'waitForHosts');
    await bad({ hosts: { pool: 'sel', count: 1 }, etcd: { members: 3 } }, 'hosts.count');
    await bad({ hosts: { pool: 'Not A Pool', count: 1 } }, 'hosts.pool');
    await bad({ hosts: { pool: 'sel', count: 0 } }, 'hosts.count');
    await bad({ hosts: { pool: 'sel', count: 1, labelSelector: 'a in (' } }, 'hosts.labelSelector');
  });

  it('waitForHosts: the environment waits, claims the hosts a deletion frees, and they return to their pool idle', async () => {
    const [host] = await poolHosts('wait', 1);
    const first = (await admin.post('/v1/environments', { name: 'wait-first', hosts: { pool: 'wait', count: 1 } })).body;
    const refused = await admin.post('/v1/environments', { name: 'wait-second', hosts: { pool: 'wait', count: 1 } });
    expect(refused.status).toBe(409);
    const second = await admin.post('/v1/environments', { name: 'wait-second', hosts: { pool: 'wait', count: 1 }, waitForHosts: true });
    expect(second.status).toBe(201);
    expect(second.body.hosts.waitForHosts).toBe(true);
    expect(await poolView('wait')).toMatchObject({ hosts: { total: 1, idle: 0, claimed: 1 }, waitingEnvironments: 1 });

    expect((await admin.delete('/v1/environments/wait-first')).status).toBe(202);
    await eventually(async () => (await hostRows('wait'))[0].environment_id === second.body.id, { timeoutMs: 15_000, what: 'the freed host to be claimed by the waiting environment' });
    expect((await admin.get(`/v1/environments/${first.id}`)).status).toBe(404);
    const events = (await admin.get('/v1/environments/wait-second/events')).body.items.map((e: any) => e.reason);
    expect(events).toEqual(expect.arrayContaining(['Created', 'WaitingForHosts', 'HostClaimed']));
    expect(await poolView('wait')).toMatchObject({ waitingEnvironments: 0 });

    expect((await admin.delete('/v1/environments/wait-second')).status).toBe(202);
    await eventually(async () => (await poolView('wait'))?.hosts.idle === 1, { timeoutMs: 15_000, what: 'the host to be idle in its pool again' });
    const [row] = await hostRows('wait');
    expect(row).toMatchObject({ id: host.hostId, environment_id: null, pool: 'wait' });
  });

  it('hands pool hosts out first come, first served: a small request never overtakes a bigger one that waits; one that can never be served holds nobody up', async () => {
    await poolHosts('fifo', 3);
    const held = async (name: string) => (await server.sql<{ n: number }>(`SELECT count(*)::int AS n FROM hosts h JOIN environments e ON e.id = h.environment_id WHERE e.name = $1`, [name]))[0].n;
    expect((await admin.post('/v1/environments', { name: 'fifo-first', hosts: { pool: 'fifo', count: 2 } })).status).toBe(201);
    expect((await admin.post('/v1/environments', { name: 'fifo-big', hosts: { pool: 'fifo', count: 3 }, waitForHosts: true })).status).toBe(201);
    // one host is idle, but the older, bigger request is waiting for it
    expect((await admin.post('/v1/environments', { name: 'fifo-small', hosts: { pool: 'fifo', count: 1 }, waitForHosts: true })).status).toBe(201);
    const refused = await admin.post('/v1/environments', { name: 'fifo-now', hosts: { pool: 'fifo', count: 1 } });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('not enough idle hosts in pool "fifo": 1 free, 1 requested, and 2 environment(s) waiting ahead (fifo-big needs 3, fifo-small needs 1) get idle hosts first');
    await sleep(1500); // several sweeps, each offering the idle host to the waiting
    expect([await held('fifo-big'), await held('fifo-small'), (await poolView('fifo')).hosts.idle]).toEqual([0, 0, 1]);

    expect((await admin.delete('/v1/environments/fifo-first')).status).toBe(202);
    await eventually(async () => (await held('fifo-big')) === 3, { timeoutMs: 15_000, what: 'the big request served first' });
    expect(await held('fifo-small')).toBe(0);
    expect((await admin.delete('/v1/environments/fifo-big')).status).toBe(202);
    await eventually(async () => (await held('fifo-small')) === 1, { timeoutMs: 15_000, what: 'the small request served next' });

    // asking for more hosts than the pool has at all waits without holding the lane
    expect((await admin.post('/v1/environments', { name: 'fifo-huge', hosts: { pool: 'fifo', count: 5 }, waitForHosts: true })).status).toBe(201);
    expect((await admin.post('/v1/environments', { name: 'fifo-after', hosts: { pool: 'fifo', count: 1 } })).status).toBe(201);
    expect([await held('fifo-huge'), await held('fifo-after')]).toEqual([0, 1]);
    for (const name of ['fifo-small', 'fifo-huge', 'fifo-after']) expect((await admin.delete(`/v1/environments/${name}`)).status).toBe(202);
    await eventually(async () => (await poolView('fifo'))?.hosts.idle === 3, { timeoutMs: 15_000, what: 'every fifo host idle again' });
  });

  it('an environment whose repairs are stopped (too many hosts lost) does not hold up the pool lane', async () => {
    const hosts = await poolHosts('stopped', 4);
    const held = async (name: string) => (await server.sql<{ n: number }>(`SELECT count(*)::int AS n FROM hosts h JOIN environments e ON e.id = h.environment_id WHERE e.name = $1`, [name]))[0].n;
    const broken = (await admin.post('/v1/environments', { name: 'stopped-broken', hosts: { pool: 'stopped', count: 3 } })).body;
    const its = (await server.sql<{ id: string }>(`SELECT id FROM hosts WHERE environment_id = $1 ORDER BY id`, [broken.id])).map((h) => h.id);
    // two of its three hosts lost: more than 50 % unhealthy, so nothing is replaced
    await server.sql(`UPDATE hosts SET state = 'lost' WHERE id = ANY($1::uuid[])`, [its.slice(0, 2)]);
    await sleep(1000); // sweeps that must not hand it the idle host
    expect(await held('stopped-broken')).toBe(3);
    expect(await poolView('stopped')).toMatchObject({ hosts: { idle: 1 }, waitingEnvironments: 0 });
    const next = await admin.post('/v1/environments', { name: 'stopped-next', hosts: { pool: 'stopped', count: 1 } });
    expect(next.status).toBe(201);
    expect(await held('stopped-next')).toBe(1);
    await server.sql(`UPDATE hosts SET state = 'active' WHERE id = ANY($1::uuid[])`, [hosts.map((h) => h.hostId)]);
    for (const name of ['stopped-broken', 'stopped-next']) expect((await admin.delete(`/v1/environments/${name}`)).status).toBe(202);
    await eventually(async () => (await poolView('stopped'))?.hosts.idle === 4, { timeoutMs: 15_000, what: 'every host idle again' });
  });

  it('Idempotency-Key: a retry with the same body answers the first success and creates one environment; another body 422; in flight 409', async () => {
    const key = `ci-run-${Date.now()}`;
    const body = { name: 'idem', labels: { run: '42' }, ttl: '1h' };
    const first = await admin.post('/v1/environments', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // same body with keys in another order: the same request
    const retry = await admin.post('/v1/environments', { ttl: '1h', labels: { run: '42' }, name: 'idem' }, { 'idempotency-key': key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    const concurrent = await Promise.all([1, 2, 3].map(() => admin.post('/v1/environments', body, { 'idempotency-key': key })));
    expect(concurrent.map((r) => [r.status, r.body.id])).toEqual([1, 2, 3].map(() => [201, first.body.id]));
    expect(await server.sql(`SELECT id FROM environments WHERE name = 'idem'`)).toEqual([{ id: first.body.id }]);

    const other = await admin.post('/v1/environments', { ...body, ttl: '2h' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.body.message).toContain('different request');
    // without a key, a duplicate name stays a plain 409
    expect((await admin.post('/v1/environments', body)).status).toBe(409);

    // a failure is not remembered: the key is free for a retry that can succeed
    const failKey = `${key}-fail`;
    expect((await admin.post('/v1/environments', { name: 'idem' }, { 'idempotency-key': failKey })).status).toBe(409);
    expect(await server.sql('SELECT key FROM idempotency_keys WHERE key = $1', [failKey])).toEqual([]);

    // while the first request with a key is being handled: 409 with Retry-After
    const adminKeyId = (await admin.get('/v1/api-keys')).body.items.find((k: any) => k.name === 'bootstrap-admin').id;
    const flightBody = { name: 'idem-flight' };
    await server.sql(`INSERT INTO idempotency_keys (principal_id, key, request_hash, state, locked_until, expires_at) VALUES ($1, 'in-flight-key', $2, 'in-flight', now() + interval '1 minute', now() + interval '24 hours')`, [
      `api-key:${adminKeyId}`,
      requestFingerprint('POST', '/v1/environments', flightBody),
    ]);
    const busy = await admin.post('/v1/environments', flightBody, { 'idempotency-key': 'in-flight-key' });
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(busy.body.message).toContain('still being handled');
    // a holder that died (lease over) is taken over by the retry
    await server.sql(`UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = 'in-flight-key'`);
    expect((await admin.post('/v1/environments', flightBody, { 'idempotency-key': 'in-flight-key' })).status).toBe(201);

    // keys expire after 24 hours: then the key is new again
    const [stored] = await server.sql<{ expires_at: Date; created_at: Date }>('SELECT expires_at, created_at FROM idempotency_keys WHERE key = $1', [key]);
    expect(stored.expires_at.getTime() - stored.created_at.getTime()).toBeCloseTo(24 * 3600_000, -3);
    await server.sql(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [key]);
    expect((await admin.post('/v1/environments', { name: 'idem-later' }, { 'idempotency-key': key })).status).toBe(201);

    expect((await admin.post('/v1/environments', body, { 'idempotency-key': 'x'.repeat(256) })).status).toBe(400);
  });

  it('waitFor blocks until the state, a failure or the timeout, and says which', async () => {
    await admin.post('/v1/environments', { name: 'waiter' });
    await eventually(async () => (await admin.get('/v1/environments/waiter')).body.state === 'provisioning', { what: 'waiter provisioning' });
    const started = Date.now();
    const timedOut = await admin.get('/v1/environments/waiter?waitFor=active&timeout=1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(timedOut.status).toBe(200);
    expect(timedOut.headers.get('corral-wait-result')).toBe('timedOut');
    expect(timedOut.body).toMatchObject({ name: 'waiter', state: 'provisioning', wait: { for: 'active', result: 'timedOut' } });

    const reached = await admin.get('/v1/environments/waiter?waitFor=provisioning&timeout=5');
    expect(reached.body.wait).toMatchObject({ result: 'reached' });

    const deletedWait = admin.get('/v1/environments/waiter?waitFor=deleted&timeout=20');
    const activeWait = admin.get('/v1/environments/waiter?waitFor=active&timeout=20');
    await sleep(300);
    const t0 = Date.now();
    await admin.delete('/v1/environments/waiter');
    const [deleted, failed] = await Promise.all([deletedWait, activeWait]);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(deleted.body).toMatchObject({ state: 'deleted', wait: { result: 'reached' } });
    expect(failed.headers.get('corral-wait-result')).toBe('failed');
    expect(failed.body.wait.failure.message).toMatch(/will never be active/);

    expect((await admin.get('/v1/environments/nope?waitFor=active&timeout=1')).status).toBe(404);
    expect((await admin.get('/v1/environments/waiter2?waitFor=happy')).status).toBe(400);
  });

  it('streams an event committed after a higher id was already streamed (a slow transaction), once', async () => {
    const env = (await admin.post('/v1/environments', { name: 'late-commit' })).body;
    const stream = openEventStream(`${server.url}/v1/environments/late-commit/events`, server.adminKey);
    await stream.waitFor((m) => m.data.reason === 'Created');
    const events = server.app.get(EventsService);
    let inserted = false;
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    // a transaction takes the lower id and stays open
    const slow = server.app.get(DataSource).transaction(async (manager) => {
      await events.record({ environmentId: env.id, reason: 'SlowTransaction', message: 'recorded first, committed last' }, manager);
      inserted = true;
      await committed;
    });
    await eventually(async () => inserted, { what: 'the slow event inserted' });
    const fast = await events.record({ environmentId: env.id, reason: 'FastTransaction', message: 'recorded second, committed at once' });
    await stream.waitFor((m) => m.data.reason === 'FastTransaction', 5000);
    await sleep(3000); // longer than any fixed look-back window
    commit();
    await slow;
    const late = await stream.waitFor((m) => m.data.reason === 'SlowTransaction', 5000);
    expect(BigInt(late.id!)).toBeLessThan(BigInt(fast.id));
    await admin.patch('/v1/environments/late-commit', { labels: { after: 'late' } });
    await stream.waitFor((m) => m.data.reason === 'Updated', 5000);
    const ids = stream.messages.filter((m) => m.id).map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    await stream.close();
  });

  it('streams events as Server-Sent Events on any replica, resumable with Last-Event-ID, ending at deletion', async () => {
    const replica = await startTestServer({ ...server.config, role: 'api' });
    try {
      await admin.post('/v1/environments', { name: 'streamed' });
      const url = `${replica.url}/v1/environments/streamed/events`;
      const stream = openEventStream(url, server.adminKey);
      const snapshot = await stream.waitFor((m) => m.event === 'environment');
      expect(stream.status).toBe(200);
      expect(stream.contentType).toContain('text/event-stream');
      expect(snapshot.data).toMatchObject({ name: 'streamed' });
      expect(snapshot.id).toBeUndefined();
      const created = await stream.waitFor((m) => m.data.reason === 'Created');
      expect(created).toMatchObject({ event: 'state', data: { state: 'pending' } });
      expect(created.id).toBe(created.data.id);
      // the provision job's first verdict (no hosts yet) comes on its own time; let it land so
      // the timeline below ends where this test says it does
      await stream.waitFor((m) => m.event === 'condition' && m.data.condition.type === 'HostsSufficient', 15000);

      // recorded by the other replica, seen at once on this one
      const t0 = Date.now();
      await admin.patch('/v1/environments/streamed', { labels: { step: 'one' } });
      const updated = await stream.waitFor((m) => m.data.reason === 'Updated', 10_000);
      // woken by the other replica's notice, not by the 15 s keep-alive re-read
      expect(Date.now() - t0).toBeLessThan(5000);
      await stream.close();
      // the JSON timeline: the latest event (a client follows from there), or from an id on
      const tail = (await admin.get('/v1/environments/streamed/events?tail=1')).body.items;
      expect(tail).toEqual([expect.objectContaining({ id: updated.id, reason: 'Updated', kind: 'event' })]);
      expect((await admin.get(`/v1/environments/streamed/events?after=${created.id}`)).body.items[0].id).not.toBe(created.id);

      await admin.patch('/v1/environments/streamed', { labels: { step: 'two' } });
      const resumed = openEventStream(url, server.adminKey, { 'last-event-id': updated.id! });
      const next = await resumed.waitFor((m) => m.data.reason === 'Updated');
      expect(next.data.message).toContain('labels');
      expect(BigInt(next.id!)).toBeGreaterThan(BigInt(updated.id!));
      expect(resumed.messages.filter((m) => m.id).every((m) => BigInt(m.id!) > BigInt(updated.id!))).toBe(true);

      await admin.delete('/v1/environments/streamed');
      expect((await resumed.waitFor((m) => m.event === 'state' && m.data.state === 'deleting')).data.reason).toBe('DeletionRequested');
      await resumed.waitFor((m) => m.event === 'state' && m.data.state === 'deleted');
      await resumed.waitFor((m) => m.event === 'end');
      await eventually(async () => resumed.ended, { what: 'the stream to end' });
      const ids = resumed.messages.filter((m) => m.id).map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);

      const json = await admin.get(`/v1/environments/${snapshot.data.id}/events`);
      expect(json.status).toBe(404); // gone; its events stay in the table as the audit trail

      // an open stream does not hold up the replica's shutdown
      await admin.post('/v1/environments', { name: 'streamed-open' });
      const open = openEventStream(`${replica.url}/v1/environments/streamed-open/events`, server.adminKey);
      await open.waitFor((m) => m.event === 'environment');
      const closing = Date.now();
      await replica.close({ keepIsolation: true });
      expect(Date.now() - closing).toBeLessThan(5000);
      await eventually(async () => open.ended, { timeoutMs: 5000, what: 'the open stream to end at shutdown' });
    } finally {
      await replica.close({ keepIsolation: true });
    }
  });

  it('deletes an environment when its TTL runs out, on time', async () => {
    const env = (await admin.post('/v1/environments', { name: 'short-lived', ttl: '2s' })).body;
    const span = Date.parse(env.expiresAt) - Date.parse(env.createdAt);
    expect(span).toBeGreaterThanOrEqual(1950);
    expect(span).toBeLessThan(3000);
    await eventually(async () => (await admin.get(`/v1/environments/${env.id}`)).status === 404, { timeoutMs: 10_000, what: 'expiry' });
    const [expired] = await server.sql<{ created_at: Date }>(`SELECT created_at FROM events WHERE environment_id = $1 AND reason = 'Expired'`, [env.id]);
    const late = expired.created_at.getTime() - Date.parse(env.expiresAt);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(3000);
  });

  it('deletes an environment whose TTL ran out while the server was stopped, once it is back (even when Redis lost its job)', async () => {
    const env = (await admin.post('/v1/environments', { name: 'outlived', ttl: '3s' })).body;
    const keep = (await admin.post('/v1/environments', { name: 'keeper', ttl: '1h' })).body;
    const config = server.config;
    await server.close({ keepIsolation: true });
    // the delayed expire jobs lived in Redis: lose them, as a Redis without persistence would
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${config.redisPrefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await sleep(Math.max(0, Date.parse(env.expiresAt) - Date.now()) + 500);

    server = await startTestServer(config);
    admin = apiClient(server.url, server.adminKey);
    await eventually(async () => (await admin.get(`/v1/environments/${env.id}`)).status === 404, { timeoutMs: 10_000, what: 'the expired environment to be deleted after the restart' });
    const reasons = (await server.sql<{ reason: string }>('SELECT reason FROM events WHERE environment_id = $1 ORDER BY id', [env.id])).map((r) => r.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Expired', 'Deleted']));
    // one that has not expired stays, with its expire job back in the queue
    expect((await admin.get(`/v1/environments/${keep.id}`)).body.state).not.toBe('deleting');
    const redisAfter = new Redis(REDIS_URL);
    const delayed = await redisAfter.zrange(`${config.redisPrefix}:corral:delayed`, 0, -1);
    redisAfter.disconnect();
    expect(delayed).toContain(`expire-${keep.id}`);
  });
});
