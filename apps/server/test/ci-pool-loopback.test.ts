import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { processesUnder, startLoopbackAgents } from '@corral/test-hosts';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, startTestServer } from './support/test-server';

jest.setTimeout(420_000);

const ENVIRONMENTS = 10;

/**
 * Ten CI environments created at once from a pool of ten loopback hosts (each a full
 * single-host stack: real etcd + the Kubernetes stand-ins) all reach active without sharing a
 * host; deleting them returns every host to the pool idle with nothing of theirs left.
 */
describe(`${ENVIRONMENTS} environments at once from a host pool (loopback agents, real etcd, stand-ins)`, () => {
  let server: TestServer;
  let agents: ReturnType<typeof startLoopbackAgents>;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.close();
  });

  it('all reach active, no host is claimed twice, and after deletion every host is idle with no process, file, etcd data or row left', async () => {
    const admin = apiClient(server.url, server.adminKey);
    const token = (await admin.post('/v1/pools/ci/registration-tokens', { maxUses: ENVIRONMENTS })).body.token;
    agents = startLoopbackAgents(ENVIRONMENTS, { server: server.url, token });
    const pool = async () => (await admin.get('/v1/pools/ci')).body;
    await eventually(async () => (await pool()).hosts?.idle === ENVIRONMENTS, { timeoutMs: 60_000, intervalMs: 250, what: `${ENVIRONMENTS} idle pool hosts` });

    const t0 = Date.now();
    const names = Array.from({ length: ENVIRONMENTS }, (_, i) => `ci-${i + 1}`);
    const created = await Promise.all(names.map((name) => admin.post('/v1/environments', { name, hosts: { pool: 'ci', count: 1 }, ttl: '30m' })));
    expect(created.map((r) => r.status)).toEqual(names.map(() => 201));
    const claimed = await server.sql<{ environment_id: string; hosts: number }>(`SELECT environment_id, count(*)::int AS hosts FROM hosts WHERE pool = 'ci' GROUP BY environment_id`);
    expect(claimed.map((c) => c.hosts)).toEqual(names.map(() => 1));
    expect(claimed.map((c) => c.environment_id).sort()).toEqual(created.map((r) => r.body.id).sort());

    const activeAfter = new Map<string, number>();
    try {
      await eventually(
        async () => {
          const items = (await admin.get('/v1/environments?limit=100')).body.items as any[];
          for (const env of items) if (env.state === 'active' && !activeAfter.has(env.name)) activeAfter.set(env.name, Date.now() - t0);
          return activeAfter.size === ENVIRONMENTS;
        },
        { timeoutMs: 300_000, intervalMs: 500, what: `${ENVIRONMENTS} environments active` },
      );
    } catch (err) {
      const items = (await admin.get('/v1/environments?limit=100')).body.items as any[];
      const stuck = items.filter((e) => e.state !== 'active').map((e) => ({ name: e.name, state: e.state, ready: e.conditions.find((c: any) => c.type === 'Ready')?.message }));
      throw new Error(`${(err as Error).message}\n${JSON.stringify(stuck, null, 1)}`);
    }
    const times = [...activeAfter.values()].sort((a, b) => a - b);
    process.stdout.write(`${ENVIRONMENTS} concurrent environments: first active after ${(times[0] / 1000).toFixed(1)} s, median ${(times[Math.floor(times.length / 2)] / 1000).toFixed(1)} s, last ${(times[times.length - 1] / 1000).toFixed(1)} s\n`);
    // each environment runs on its own host, none on another's
    const placements = await server.sql<{ environment_id: string; host_env: string }>(`SELECT c.environment_id, h.environment_id AS host_env FROM components c JOIN hosts h ON h.id = c.host_id`);
    expect(placements.length).toBeGreaterThanOrEqual(ENVIRONMENTS * 7);
    expect(placements.every((p) => p.environment_id === p.host_env)).toBe(true);
    const claimEvents = await server.sql<{ host_id: string }>(`SELECT host_id FROM events WHERE reason = 'HostClaimed'`);
    expect(claimEvents).toHaveLength(ENVIRONMENTS);
    expect(new Set(claimEvents.map((e) => e.host_id)).size).toBe(ENVIRONMENTS);

    const d0 = Date.now();
    expect((await Promise.all(names.map((name) => admin.delete(`/v1/environments/${name}`)))).map((r) => r.status)).toEqual(names.map(() => 202));
    await eventually(async () => (await admin.get('/v1/environments')).body.items.length === 0, { timeoutMs: 120_000, intervalMs: 500, what: 'every environment deleted' });
    await eventually(async () => (await pool()).hosts.idle === ENVIRONMENTS, { timeoutMs: 30_000, intervalMs: 250, what: 'every host idle in the pool again' });
    process.stdout.write(`${ENVIRONMENTS} environments deleted and hosts idle after ${((Date.now() - d0) / 1000).toFixed(1)} s\n`);

    expect(await pool()).toEqual({ name: 'ci', hosts: { total: ENVIRONMENTS, idle: ENVIRONMENTS, claimed: 0, unavailable: 0 }, waitingEnvironments: 0 });
    const hosts = await server.sql<{ environment_id: string | null; pool: string; state: string }>('SELECT environment_id, pool, state FROM hosts');
    expect(hosts).toEqual(names.map(() => ({ environment_id: null, pool: 'ci', state: 'active' })));
    for (const a of agents.agents) {
      for (const dir of ['components', 'data']) {
        const path = join(a.stateDir, dir);
        expect({ path, entries: existsSync(path) ? readdirSync(path) : [] }).toEqual({ path, entries: [] });
      }
    }
    expect(processesUnder(agents.root).filter((line) => !line.includes('corral-agent') && !line.includes('apps/agent'))).toEqual([]);
    // a deleted environment stays as a row (its snapshots are kept for CORRAL_DELETED_RETENTION), its secrets gone
    expect(await server.sql(`SELECT DISTINCT state, secrets_encrypted FROM environments`)).toEqual([{ state: 'deleted', secrets_encrypted: null }]);
    for (const table of ['components', 'component_statuses']) expect({ table, rows: await server.sql(`SELECT 1 FROM ${table}`) }).toEqual({ table, rows: [] });
  });
});
