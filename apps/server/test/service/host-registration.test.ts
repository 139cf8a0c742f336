import { DataSource } from 'typeorm';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, startTestServer } from '../support/test-server';
import { HostIdentity1764400000000 } from '../../src/persistence/migrations/1764400000000-host-identity';

/** Registration and identity: unique hostnames, tokens used once by default, roles bound to tokens, retried registrations. */
describe('host registration', () => {
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;
  const anon = () => apiClient(server.url);
  const register = (token: string, hostname: string, more: Record<string, unknown> = {}) => anon().post('/v1/agent/register', { token, hostname, addresses: ['10.0.0.1'], ...more });
  const envToken = async (env: string, body: Record<string, unknown> = {}) => (await admin.post(`/v1/environments/${env}/registration-tokens`, body)).body;
  const rows = async () => (await server.sql<{ n: number }>(`SELECT (SELECT count(*) FROM hosts)::int + (SELECT coalesce(sum(uses), 0) FROM registration_tokens)::int AS n`))[0].n;

  beforeAll(async () => {
    server = await startTestServer();
    admin = apiClient(server.url, server.adminKey);
    // three etcd members: never enough hosts here, so nothing is placed while the test looks
    for (const name of ['ident', 'ident-other']) expect((await admin.post('/v1/environments', { name, etcd: { members: 3 } })).status).toBe(201);
  });
  afterAll(() => server?.close());

  it('an environment token registers one host unless it says how many; a pool token keeps its count', async () => {
    const once = await envToken('ident');
    expect(once.maxUses).toBe(1);
    expect((await register(once.token, 'once-1')).status).toBe(201);
    const again = await register(once.token, 'once-2');
    expect(again.status).toBe(401);
    expect(again.body.message).toContain('used up');
    expect((await envToken('ident', { maxUses: 2 })).maxUses).toBe(2);

    const pool = (await admin.post('/v1/pools/ident-pool/registration-tokens', {})).body;
    expect(pool.maxUses).toBeNull();
    for (const name of ['pool-1', 'pool-2', 'pool-3']) expect((await register(pool.token, name)).status).toBe(201);
  });

  it('a hostname is held by one live host per environment: 409 names the holder and stores nothing', async () => {
    const token = (await envToken('ident', { maxUses: 10 })).token;
    const holder = await register(token, 'node-1');
    expect(holder.status).toBe(201);
    const before = await rows();
    const taken = await register(token, 'node-1');
    expect(taken.status).toBe(409);
    expect(taken.body.message).toContain(`hostname node-1 is held by host ${holder.body.hostId} (active`);
    expect(await rows()).toBe(before);
    // another environment has its own names
    expect((await register((await envToken('ident-other')).token, 'node-1')).status).toBe(201);

    // a removed host's name is free again
    expect((await admin.delete(`/v1/hosts/${holder.body.hostId}`)).status).toBe(204);
    const successor = await register(token, 'node-1');
    expect(successor.status).toBe(201);

    // a lost holder gives its name up to the newcomer and is removed
    await server.sql(`UPDATE hosts SET state = 'lost' WHERE id = $1`, [successor.body.hostId]);
    const replacement = await register(token, 'node-1');
    expect(replacement.status).toBe(201);
    expect((await server.sql<{ state: string }>('SELECT state FROM hosts WHERE id = $1', [successor.body.hostId]))[0].state).toBe('removed');
    expect((await apiClient(server.url, successor.body.credential).get('/v1/agent/desired')).status).toBe(401);
    const reasons = (await admin.get('/v1/environments/ident/events?limit=500')).body.items.map((e: { reason: string }) => e.reason);
    expect(reasons).toContain('HostReplaced');
    // a disconnected holder still holds it (it may come back)
    await server.sql(`UPDATE hosts SET state = 'disconnected' WHERE id = $1`, [replacement.body.hostId]);
    expect((await register(token, 'node-1')).status).toBe(409);
  });

  it('concurrent registrations of one name: exactly one wins, the others get 409, none a 5xx', async () => {
    const pool = (await admin.post('/v1/pools/race/registration-tokens', {})).body.token;
    const answers = await Promise.all(Array.from({ length: 8 }, () => register(pool, 'racer')));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect((await server.sql<{ n: number }>(`SELECT count(*)::int AS n FROM hosts WHERE pool = 'race' AND hostname = 'racer'`))[0].n).toBe(1);
  });

  it('a registration retried with its registration id gets the same host and a new credential, spending no use', async () => {
    const token = (await envToken('ident')).token;
    const registrationId = 'retry-0123456789abcdef';
    const first = await register(token, 'retried', { registrationId });
    const second = await register(token, 'retried', { registrationId });
    expect(second.status).toBe(201);
    expect(second.body.hostId).toBe(first.body.hostId);
    expect(second.body.credential).not.toBe(first.body.credential);
    expect((await apiClient(server.url, first.body.credential).get('/v1/agent/desired')).status).toBe(401);
    expect((await apiClient(server.url, second.body.credential).get('/v1/agent/desired')).status).toBe(200);
    // another id, or the same id for another hostname, is another host: the token is spent
    expect((await register(token, 'retried', { registrationId: 'other-0123456789abcdef' })).status).toBe(401);
    expect((await register(token, 'renamed', { registrationId })).status).toBe(401);
  });

  it('a token may bind roles: a host asking for more gets 403, a host asking for none gets the token\'s', async () => {
    const created = await admin.post('/v1/environments/ident/registration-tokens', { roles: ['worker'], maxUses: 5 });
    expect(created.status).toBe(201);
    expect(created.body.roles).toEqual(['worker']);
    const before = await rows();
    const refused = await register(created.body.token, 'wants-etcd', { roles: ['etcd', 'worker'] });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('does not allow the role etcd (it allows worker)');
    expect(await rows()).toBe(before);
    const any = await register(created.body.token, 'takes-any');
    expect(any.status).toBe(201);
    expect((await admin.get(`/v1/hosts/${any.body.hostId}`)).body.roles).toEqual(['worker']);
    expect((await register(created.body.token, 'worker-only', { roles: ['worker'] })).status).toBe(201);

    for (const roles of [[], ['bogus'], 'worker']) {
      const bad = await admin.post('/v1/environments/ident/registration-tokens', { roles });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].field).toBe('roles');
    }
  });

  it('a pool claim passes over an idle host whose name the environment already holds', async () => {
    const created = await admin.post('/v1/environments', { name: 'claimer', etcd: { members: 1 }, hosts: { pool: 'names', count: 1 }, waitForHosts: true });
    expect(created.status).toBe(201);
    expect((await register((await envToken('claimer')).token, 'dup')).status).toBe(201);
    const pool = (await admin.post('/v1/pools/names/registration-tokens', {})).body.token;
    const twin = await register(pool, 'dup');
    expect(twin.status).toBe(201);
    const fresh = await register(pool, 'fresh');
    expect(fresh.status).toBe(201);
    const placed = async (id: string) => (await server.sql<{ environment_id: string | null }>('SELECT environment_id FROM hosts WHERE id = $1', [id]))[0].environment_id;
    await eventually(async () => (await placed(fresh.body.hostId)) === created.body.id, { what: 'the host named fresh claimed' });
    expect(await placed(twin.body.hostId)).toBeNull();
  });

  it('the migration keeps hosts that already share a name as they are, outside the unique index', async () => {
    const dataSource = server.app.get(DataSource);
    const runner = dataSource.createQueryRunner();
    const migration = new HostIdentity1764400000000();
    try {
      await migration.down(runner);
      const env = (await server.sql<{ id: string }>(`SELECT id FROM environments WHERE name = 'ident-other'`))[0].id;
      for (const [i, heard] of [[1, '2020-01-01'], [2, '2020-01-02']] as const) {
        await server.sql(
          `INSERT INTO hosts (environment_id, hostname, addresses, roles, state, last_heartbeat_at, credential_hash, desired_revision, observed_revision)
           VALUES ($1, 'twin', '{10.0.0.${i}}', '{}', 'active', $2, $3, 1, 0)`,
          [env, heard, `twin-${i}`],
        );
      }
      await migration.up(runner);
      const twins = await server.sql<{ state: string; hostname_shared: boolean; credential_hash: string }>(`SELECT state, hostname_shared, credential_hash FROM hosts WHERE hostname = 'twin' ORDER BY credential_hash`);
      expect(twins).toEqual([
        { state: 'active', hostname_shared: true, credential_hash: 'twin-1' },
        { state: 'active', hostname_shared: false, credential_hash: 'twin-2' },
      ]);
      // and the name stays held for newcomers
      expect((await register((await envToken('ident-other')).token, 'twin')).status).toBe(409);
    } finally {
      await runner.release();
    }
  });
});
