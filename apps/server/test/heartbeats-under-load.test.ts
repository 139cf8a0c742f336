import { apiClient } from '@corral/testing';
import { openEventStream } from './support/sse-client';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';

const STREAMS = 500;
const AGENTS = 50;
const LOAD_MS = 15_000;
const HEARTBEAT_MS = 1000;

/**
 * Heartbeats first: the agent protocol has its own database pool, so API load cannot delay
 * heartbeats into false `disconnected` or `lost`. 500 event streams of one key are woken by an
 * event every 100 ms (each wake-up is a read per stream on the API's pool, squeezed to 2
 * connections here) while 50 agents report every second; a host is `disconnected` after 8 s of
 * silence (8 s here: this machine's PostgreSQL is shared with other test runs). The agents speak the protocol over plain HTTP (register, then PUT /v1/agent/status):
 * the server cannot tell them from corral-agent processes.
 */
describe('heartbeats under API load', () => {
  let server: TestServer;
  // the load this test starts, ended in afterAll too: a failure must not leave it running into the next suite of this worker
  let stop = false;
  let heartbeats: Promise<void>[] = [];
  let streams: ReturnType<typeof openEventStream>[] = [];

  beforeAll(async () => {
    server = await startTestServer(
      isolatedConfig({
        CORRAL_MAX_STREAMS_PER_KEY: String(STREAMS + 10),
        CORRAL_DB_POOL_SIZE: '2',
        CORRAL_HOST_DISCONNECTED_AFTER: '8s',
        CORRAL_HOST_LOST_AFTER: '16s',
        CORRAL_SWEEP_INTERVAL: '250ms',
      }),
    );
  });
  afterAll(async () => {
    stop = true;
    await Promise.allSettled(heartbeats);
    await Promise.all(streams.map((s) => s.close()));
    await server?.close();
  });

  it(`${STREAMS} open event streams of one key while ${AGENTS} agents heartbeat: no host changes state`, async () => {
    const admin = apiClient(server.url, server.adminKey);
    expect((await admin.post('/v1/environments', { name: 'busy', etcd: { members: 3 } })).status).toBe(201);
    const { key } = (await admin.post('/v1/api-keys', { name: 'watcher', scopes: ['read'] })).body;
    const token = (await admin.post('/v1/pools/heartbeat/registration-tokens', {})).body.token;
    const agents = await Promise.all(
      Array.from({ length: AGENTS }, async (_, i) => {
        const reg = await apiClient(server.url).post('/v1/agent/register', { token, hostname: `hb-${i}`, addresses: ['10.0.0.1'], agentVersion: 'load-test' });
        expect(reg.status).toBe(201);
        return apiClient(server.url, reg.body.credential);
      }),
    );
    const report = { agentVersion: 'load-test', observedRevision: 0, components: [] };
    const latencies: number[] = [];
    heartbeats = agents.map(async (agent, i) => {
      await new Promise((r) => setTimeout(r, (i * HEARTBEAT_MS) / AGENTS));
      while (!stop) {
        const started = Date.now();
        const res = await agent.put('/v1/agent/status', report);
        expect(res.status).toBe(204);
        latencies.push(Date.now() - started);
        await new Promise((r) => setTimeout(r, Math.max(0, HEARTBEAT_MS - (Date.now() - started))));
      }
    });

    streams = Array.from({ length: STREAMS }, () => openEventStream(`${server.url}/v1/environments/busy/events`, key));
    await eventually(async () => streams.every((s) => s.status !== 0), { timeoutMs: 30_000, what: 'every stream to open' });
    expect(streams.filter((s) => s.status !== 200)).toHaveLength(0);
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    const loadStarted = Date.now();
    let updates = 0;
    // three writers, each an event (and so a read by every stream) every 100 ms or as fast as the API answers
    await Promise.all(
      [0, 1, 2].map(async (writer) => {
        while (Date.now() - loadStarted < LOAD_MS) {
          expect((await admin.patch('/v1/environments/busy', { labels: { [`writer-${writer}`]: String(updates++) } })).status).toBe(200);
          await new Promise((r) => setTimeout(r, 100));
        }
      }),
    );
    stop = true;
    lag.disable();
    console.log(`event loop delay p99 ${Math.round(lag.percentile(99) / 1e6)} ms, max ${Math.round(lag.max / 1e6)} ms`);
    await Promise.all(heartbeats);
    const delivered = streams.reduce((sum, s) => sum + s.messages.filter((m) => m.data?.reason === 'Updated').length, 0);
    await Promise.all(streams.map((s) => s.close()));

    const transitions = await server.sql<{ reason: string; message: string }>(`SELECT reason, message FROM events WHERE reason IN ('HostDisconnected', 'HostLost')`);
    const states = await server.sql<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM hosts GROUP BY state`);
    latencies.sort((a, b) => a - b);
    // the figures this run saw, for the report (not asserted: timing belongs to benchmarks)
    console.log(`${updates} updates, ${delivered} event messages delivered to ${STREAMS} streams; ${latencies.length} heartbeats, p50 ${latencies[Math.floor(latencies.length / 2)]} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]} ms, max ${latencies.at(-1)} ms`);
    expect(delivered).toBeGreaterThan(STREAMS); // the streams were really loaded
    expect(transitions).toEqual([]);
    expect(states).toEqual([{ state: 'active', n: AGENTS }]);
  }, 120_000);
});
