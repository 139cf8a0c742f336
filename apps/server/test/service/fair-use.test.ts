import Redis from 'ioredis';
import { apiClient } from '@corral/testing';
import { openEventStream } from '../support/sse-client';
import { TestServer, eventually, isolatedConfig, startTestServer } from '../support/test-server';

/** Per-principal caps on held connections, per-key rate limits, and deleted keys ending what they hold open. */
describe('fair use', () => {
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;
  let redis: Redis;
  const newKey = async (name: string) => (await admin.post('/v1/api-keys', { name, scopes: ['read'] })).body as { id: string; key: string };
  /** waits until the principal holds `count` leases of the kind (a request in flight has taken its slot) */
  const holding = (kind: string, principalId: string, count: number) =>
    eventually(async () => (await redis.zcard(`${server.config.redisPrefix}:fair-use:held:${kind}:${principalId}`)) === count, { what: `${count} ${kind} lease(s)` });
  const eventsUrl = () => `${server.url}/v1/environments/fair/events`;

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_MAX_STREAMS_PER_KEY: '2', CORRAL_MAX_WAITS_PER_KEY: '1', CORRAL_MAX_LONG_POLLS_PER_HOST: '1' }));
    admin = apiClient(server.url, server.adminKey);
    redis = new Redis(server.config.redisUrl);
    // three etcd members and no host: it stays pending, so waits wait
    expect((await admin.post('/v1/environments', { name: 'fair', etcd: { members: 3 } })).status).toBe(201);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
  });

  it('a key over its cap of event streams gets 429 with Retry-After; a closed stream frees its slot', async () => {
    const { key } = await newKey('streamer');
    const streams = [openEventStream(eventsUrl(), key), openEventStream(eventsUrl(), key)];
    await Promise.all(streams.map((s) => s.waitFor(() => true)));
    const third = await apiClient(server.url, key).get('/v1/environments/fair/events', { accept: 'text/event-stream' });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(third.body.message).toContain('holds 2 open event streams already (CORRAL_MAX_STREAMS_PER_KEY)');
    // another key has its own cap
    const other = openEventStream(eventsUrl(), (await newKey('other-streamer')).key);
    await other.waitFor(() => true);
    expect(other.status).toBe(200);
    await other.close();

    await streams[0].close();
    const again = await eventually(async () => {
      const s = openEventStream(eventsUrl(), key);
      await s.waitFor(() => true).catch(() => undefined);
      if (s.status === 200) return s;
      await s.close();
      return null;
    }, { what: 'a free stream slot' });
    await Promise.all([again!.close(), streams[1].close()]);
  });

  it('caps waitFor waits per key and desired-state long-polls per host', async () => {
    const waiter = await newKey('waiter');
    const client = apiClient(server.url, waiter.key);
    const waiting = client.get('/v1/environments/fair?waitFor=active&timeout=3');
    await holding('wait', waiter.id, 1);
    const second = await client.get('/v1/environments/fair?waitFor=active&timeout=3');
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('5');
    expect(second.body.message).toContain('CORRAL_MAX_WAITS_PER_KEY');
    expect((await client.get('/v1/environments/fair')).status).toBe(200); // a plain read is no wait
    expect((await waiting).status).toBe(200);

    const token = (await admin.post('/v1/pools/fair/registration-tokens', {})).body.token;
    const host = (await apiClient(server.url).post('/v1/agent/register', { token, hostname: 'poller', addresses: ['10.0.0.1'] })).body;
    const agent = apiClient(server.url, host.credential);
    const revision = (await agent.get('/v1/agent/desired')).body.revision;
    const polling = agent.get(`/v1/agent/desired?after=${revision}&wait=3`);
    await holding('long-poll', host.hostId, 1);
    const twice = await agent.get(`/v1/agent/desired?after=${revision}&wait=3`);
    expect(twice.status).toBe(429);
    expect(twice.body.message).toContain('CORRAL_MAX_LONG_POLLS_PER_HOST');
    // answering at once holds nothing
    expect((await agent.get('/v1/agent/desired?after=0&wait=3')).status).toBe(200);
    expect((await polling).status).toBe(200);
  });

  it('a deleted key ends its open streams and waits within seconds', async () => {
    const doomed = await newKey('doomed');
    const stream = openEventStream(eventsUrl(), doomed.key);
    await stream.waitFor(() => true);
    expect(stream.status).toBe(200);
    const waiting = apiClient(server.url, doomed.key).get('/v1/environments/fair?waitFor=active&timeout=60');
    await holding('wait', doomed.id, 1);
    const deletedAt = Date.now();
    expect((await admin.delete(`/v1/api-keys/${doomed.id}`)).status).toBe(204);
    await eventually(async () => stream.ended, { timeoutMs: 5000, what: 'the stream to end' });
    await waiting;
    expect(Date.now() - deletedAt).toBeLessThan(5000);
    await holding('stream', doomed.id, 0);
    await holding('wait', doomed.id, 0);
    expect((await apiClient(server.url, doomed.key).get('/v1/environments')).status).toBe(401);
  });
});

describe('rate limit per API key', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_RATE_LIMIT: '30', CORRAL_RATE_LIMIT_WINDOW: '1m' }));
  });
  afterAll(() => server?.close());

  it('answers 429 with Retry-After past the limit, per key, across replicas', async () => {
    const admin = apiClient(server.url, server.adminKey);
    const { key } = (await admin.post('/v1/api-keys', { name: 'busy', scopes: ['read'] })).body;
    // a second replica on the same database and Redis shares the count
    const replica = await startTestServer({ ...server.config });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await apiClient(i % 2 ? replica.url : server.url, key).get('/v1/environments')).status);
      expect(statuses.every((s) => s === 200)).toBe(true);
      const over = await apiClient(replica.url, key).get('/v1/environments');
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(over.body.message).toContain('more than 30 requests in 60s (CORRAL_RATE_LIMIT)');
      // other keys are not affected; unauthenticated endpoints neither
      expect((await admin.get('/v1/environments')).status).toBe(200);
      expect((await apiClient(server.url).get('/healthz')).status).toBe(200);
    } finally {
      await replica.close({ keepIsolation: true });
    }
  });
});
