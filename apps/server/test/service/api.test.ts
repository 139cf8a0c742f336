import { apiClient } from '@corral/testing';
import { TestServer, eventually, startTestServer } from '../support/test-server';

describe('management API against real PostgreSQL and Redis', () => {
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    server = await startTestServer();
    admin = apiClient(server.url, server.adminKey);
  });
  afterAll(() => server?.close());

  describe('API keys and scopes', () => {
    it('answers 401 without a key and with an unknown key', async () => {
      const none = await apiClient(server.url).get('/v1/environments');
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect((await apiClient(server.url, 'crl_ak_nope').get('/v1/environments')).status).toBe(401);
    });

    it('creates a key shown once, lists without secrets, enforces scopes, deletes', async () => {
      const created = await admin.post('/v1/api-keys', { name: 'reader', scopes: ['read'] });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^crl_ak_/);
      const list = await admin.get('/v1/api-keys');
      expect(list.body.items.map((k: any) => k.name)).toContain('reader');
      expect(JSON.stringify(list.body)).not.toContain(created.body.key);
      expect(JSON.stringify(list.body)).not.toMatch(/secretHash|secret_hash/);

      const reader = apiClient(server.url, created.body.key);
      expect((await reader.get('/v1/environments')).status).toBe(200);
      const denied = await reader.post('/v1/environments', { name: 'nope' });
      expect(denied.status).toBe(403);
      expect(denied.body.message).toContain('write');
      expect((await reader.get('/v1/api-keys')).status).toBe(403);

      expect((await admin.delete(`/v1/api-keys/${created.body.id}`)).status).toBe(204);
      expect((await reader.get('/v1/environments')).status).toBe(401);
      expect((await admin.delete(`/v1/api-keys/${created.body.id}`)).status).toBe(404);
      expect((await admin.delete('/v1/api-keys/not-a-uuid')).status).toBe(404);
    });

    it('names the bad field of an API key request', async () => {
      const res = await admin.post('/v1/api-keys', { name: 'x', scopes: ['root'] });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'scopes' })]));
    });
  });

  describe('environments', () => {
    it('creates a pending environment; its provision job moves it to provisioning, waiting for hosts', async () => {
      const res = await admin.post('/v1/environments', { name: 'alpha', labels: { team: 'platform' }, etcd: { members: 3 } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'alpha', state: 'pending', kubernetesVersion: 'v1.36', etcd: { members: 3 }, labels: { team: 'platform' } });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.networking).toEqual({ clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local', dnsServiceIp: '10.43.0.10' });
      const events = await eventually(async () => {
        const list = await admin.get(`/v1/environments/alpha/events`);
        const reasons = list.body.items.map((e: any) => e.reason);
        return reasons.includes('StateProvisioning') && reasons.includes('HostsSufficientFalse') ? reasons : null;
      }, { what: 'the provision job to record its events' });
      expect(events[0]).toBe('Created');
      const env = (await admin.get('/v1/environments/alpha')).body;
      expect(env.state).toBe('provisioning');
      expect(env.conditions).toEqual([expect.objectContaining({ type: 'HostsSufficient', status: 'False', reason: 'WaitingForHosts', message: expect.stringContaining('3 more etcd-eligible hosts') })]);
    });

    it('rejects bad input naming the field, and unknown fields', async () => {
      const cases: Array<[unknown, string]> = [
        [{ name: 'Bad_Name' }, 'name'],
        [{ name: 'a'.repeat(64) }, 'name'],
        [{}, 'name'],
        [{ name: 'ok', etcd: { members: 2 } }, 'etcd.members'],
        [{ name: 'ok', ttl: 'soon' }, 'ttl'],
        [{ name: 'ok', labels: { 'bad key!': 'v' } }, 'labels'],
        [{ name: 'ok', extra: true }, 'extra'],
      ];
      for (const [body, field] of cases) {
        const res = await admin.post('/v1/environments', body);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(res.body.details.map((d: any) => d.field)).toContain(field);
      }
      const version = await admin.post('/v1/environments', { name: 'ok', kubernetesVersion: 'v1.20' });
      expect(version.status).toBe(400);
      expect(version.body.details[0].field).toBe('kubernetesVersion');
      expect(version.body.message).toContain('v1.36');
      const malformed = await admin.call('POST', '/v1/environments', '{"name": ', { 'content-type': 'application/json' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.message).toContain('JSON');
    });

    it('answers 409 on a duplicate name and 404 on unknown ones', async () => {
      await admin.post('/v1/environments', { name: 'dup' });
      const again = await admin.post('/v1/environments', { name: 'dup' });
      expect(again.status).toBe(409);
      expect(again.body.message).toContain('dup');
      expect((await admin.get('/v1/environments/nope')).status).toBe(404);
      expect((await admin.get('/v1/environments/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    });

    it('gets by id or name, patches labels and ttl', async () => {
      const created = (await admin.post('/v1/environments', { name: 'patchme', ttl: '1h' })).body;
      expect((await admin.get(`/v1/environments/${created.id}`)).body.name).toBe('patchme');
      expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBeGreaterThan(3590_000);
      const patched = await admin.patch('/v1/environments/patchme', { labels: { tier: 'dev' }, ttl: '2h' });
      expect(patched.status).toBe(200);
      expect(patched.body.labels).toEqual({ tier: 'dev' });
      expect(Date.parse(patched.body.expiresAt) - Date.now()).toBeGreaterThan(7100_000);
      expect((await admin.patch('/v1/environments/patchme', { name: 'renamed' })).status).toBe(400);
    });

    it('pages with limit and continue, filters by label selector and state', async () => {
      for (const [i, tier] of ['a', 'b', 'c', 'd', 'e'].entries()) {
        await admin.post('/v1/environments', { name: `page-${i}`, labels: { suite: 'paging', tier: tier === 'a' ? 'gold' : 'std' } });
      }
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const res = await admin.get(`/v1/environments?labelSelector=suite%3Dpaging&limit=2${token ? `&continue=${token}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((e: any) => e.name));
        token = res.body.continue;
      } while (token);
      expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
      const notGold = await admin.get('/v1/environments?labelSelector=suite%3Dpaging,tier!%3Dgold');
      expect(notGold.body.items.map((e: any) => e.name)).toEqual(['page-1', 'page-2', 'page-3', 'page-4']);
      const inSet = await admin.get(`/v1/environments?labelSelector=${encodeURIComponent('tier in (gold)')}`);
      expect(inSet.body.items.map((e: any) => e.name)).toEqual(['page-0']);
      await eventually(async () => (await admin.get('/v1/environments?state=provisioning&labelSelector=suite%3Dpaging')).body.items.length === 5, { what: 'five provisioning environments' });
      expect((await admin.get('/v1/environments?state=active&labelSelector=suite%3Dpaging')).body.items).toHaveLength(0);
      expect((await admin.get('/v1/environments?state=sleeping')).body.details[0].field).toBe('state');
      expect((await admin.get('/v1/environments?limit=0')).body.details[0].field).toBe('limit');
      expect((await admin.get('/v1/environments?continue=garbage')).body.details[0].field).toBe('continue');
      expect((await admin.get(`/v1/environments?labelSelector=${encodeURIComponent('a in (')}`)).body.details[0].field).toBe('labelSelector');
    });

    it('deletes: 202, deleting, then deleted by the job, and the name is free again', async () => {
      const env = (await admin.post('/v1/environments', { name: 'doomed' })).body;
      const res = await admin.delete('/v1/environments/doomed');
      expect(res.status).toBe(202);
      expect(res.body.state).toBe('deleting');
      await eventually(async () => (await admin.get(`/v1/environments/${env.id}`)).status === 404, { what: 'deletion' });
      // kept as deleted for CORRAL_DELETED_RETENTION (see snapshots-retention.test.ts)
      expect(await server.sql('SELECT state FROM environments WHERE id = $1', [env.id])).toEqual([{ state: 'deleted' }]);
      const events = await server.sql<{ reason: string }>('SELECT reason FROM events WHERE environment_id = $1 ORDER BY id', [env.id]);
      expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Created', 'DeletionRequested', 'Deleted']));
      expect((await admin.post('/v1/environments', { name: 'doomed' })).status).toBe(201);
    });
  });

  describe('registration tokens and hosts', () => {
    it('issues a token once, registers a host with it, lists and removes hosts', async () => {
      // three etcd members on two hosts: never enough hosts, so nothing is placed while this test looks
      const env = (await admin.post('/v1/environments', { name: 'hosted', etcd: { members: 3 } })).body;
      const token = await admin.post('/v1/environments/hosted/registration-tokens', { ttl: '1h', maxUses: 2 });
      expect(token.status).toBe(201);
      expect(token.body.token).toMatch(/^crl_rt_/);
      const listed = await admin.get('/v1/environments/hosted/registration-tokens');
      expect(listed.body.items).toHaveLength(1);
      expect(JSON.stringify(listed.body)).not.toContain(token.body.token);

      const anon = apiClient(server.url);
      const reg = await anon.post('/v1/agent/register', { token: token.body.token, hostname: 'node-1', addresses: ['10.0.0.1'], labels: { zone: 'a' }, roles: ['etcd', 'worker'] });
      expect(reg.status).toBe(201);
      expect(reg.body).toMatchObject({ environmentId: env.id, pool: null });
      expect(reg.body.credential).toMatch(/^crl_hc_/);
      const second = await anon.post('/v1/agent/register', { token: token.body.token, hostname: 'node-2', addresses: ['10.0.0.2'] });
      expect(second.status).toBe(201);
      const third = await anon.post('/v1/agent/register', { token: token.body.token, hostname: 'node-3', addresses: ['10.0.0.3'] });
      expect(third.status).toBe(401);
      expect(third.body.message).toContain('used up');

      const hosts = await admin.get('/v1/hosts?environment=hosted');
      expect(hosts.body.items.map((h: any) => h.hostname)).toEqual(['node-1', 'node-2']);
      const hostCount = async () => (await admin.get('/v1/environments?limit=500')).body.items.find((e: any) => e.name === 'hosted').hostCount;
      expect(await hostCount()).toBe(2);
      expect(hosts.body.items[0]).toMatchObject({ environmentId: env.id, state: 'active', roles: ['etcd', 'worker'] });
      expect(JSON.stringify(hosts.body)).not.toMatch(/credential/i);
      expect((await admin.get('/v1/hosts?labelSelector=zone%3Da')).body.items.map((h: any) => h.hostname)).toEqual(['node-1']);
      const one = await admin.get(`/v1/hosts/${reg.body.hostId}`);
      expect(one.body).toMatchObject({ hostname: 'node-1', components: [] });
      // with components=true the list gives each host as GET /v1/hosts/{id} does (less its images)
      const withComponents = (await admin.get('/v1/hosts?environment=hosted&components=true')).body.items;
      const { images: _images, ...oneWithoutImages } = one.body;
      expect(withComponents[0]).toEqual(oneWithoutImages);
      const needsEnvironment = await admin.get('/v1/hosts?components=true');
      expect(needsEnvironment.status).toBe(400);
      expect(needsEnvironment.body.details).toEqual([{ field: 'components', message: expect.stringContaining('needs environment') }]);
      expect((await admin.get('/v1/hosts?environment=hosted&components=maybe')).body.details[0].field).toBe('components');
      expect((await admin.get('/v1/hosts/nope')).status).toBe(404);

      expect((await admin.delete(`/v1/hosts/${reg.body.hostId}`)).status).toBe(204);
      expect((await admin.get(`/v1/hosts/${reg.body.hostId}`)).status).toBe(404);
      expect(await hostCount()).toBe(1);
      const revoked = await apiClient(server.url, reg.body.credential).get('/v1/agent/desired');
      expect(revoked.status).toBe(401);

      const events = (await admin.get('/v1/environments/hosted/events')).body.items.map((e: any) => e.reason);
      expect(events).toEqual(expect.arrayContaining(['HostRegistered', 'HostRemoved']));
    });

    it('refuses expired, revoked and unknown tokens with the reason, and bad registrations by field', async () => {
      await admin.post('/v1/environments', { name: 'tokens' });
      const anon = apiClient(server.url);
      const revokedToken = (await admin.post('/v1/environments/tokens/registration-tokens', {})).body;
      expect((await admin.delete(`/v1/environments/tokens/registration-tokens/${revokedToken.id}`)).status).toBe(204);
      const revoked = await anon.post('/v1/agent/register', { token: revokedToken.token, hostname: 'h', addresses: ['10.0.0.9'] });
      expect(revoked.status).toBe(401);
      expect(revoked.body.message).toContain('revoked');
      const short = (await admin.post('/v1/environments/tokens/registration-tokens', { ttl: '1s' })).body;
      await new Promise((r) => setTimeout(r, 1100));
      const expired = await anon.post('/v1/agent/register', { token: short.token, hostname: 'h', addresses: ['10.0.0.9'] });
      expect(expired.status).toBe(401);
      expect(expired.body.message).toContain('expired');
      expect((await anon.post('/v1/agent/register', { token: 'crl_rt_unknown', hostname: 'h', addresses: ['10.0.0.9'] })).status).toBe(401);
      const bad = await anon.post('/v1/agent/register', { token: 'x', hostname: 'h', addresses: ['not-an-ip'] });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].field).toBe('addresses');
    });
  });

  describe('operations endpoints', () => {
    it('serves health and OpenAPI without a key, metrics to any key', async () => {
      const anon = apiClient(server.url);
      const health = await anon.get('/healthz');
      expect(health.status).toBe(200);
      expect(health.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
      expect((await anon.get('/metrics')).status).toBe(401);
      const reader = (await admin.post('/v1/api-keys', { name: 'scraper', scopes: ['read'] })).body.key;
      const metrics = await apiClient(server.url, reader).get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('corral_http_request_duration_seconds_bucket');
      expect(metrics.body).toMatch(/corral_queue_jobs\{state="waiting"\}/);
      const docs = await anon.get('/docs/openapi.json');
      expect(docs.status).toBe(200);
      expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/v1/environments', '/v1/environments/{env}', '/v1/agent/register', '/v1/hosts']));
    });

    it('echoes a request id', async () => {
      const res = await admin.get('/v1/environments', { 'x-request-id': 'abc-123' });
      expect(res.headers.get('x-request-id')).toBe('abc-123');
    });
  });
});
