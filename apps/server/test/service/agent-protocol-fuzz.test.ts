/**
 * Hostile values at the agent protocol: registration, status reports and desired-state polls,
 * each field replaced by what a broken or malicious agent could send (wrong types, huge and
 * negative numbers, control characters, prototype keys, SQL, other hosts' credentials, held
 * hostnames, roles a token does not allow, malformed query strings). Invariants on every answer:
 *   1. never a 5xx;
 *   2. a rejected request (non-2xx) changes no stored data (a digest of every table, before and after);
 *   3. nothing pollutes Object.prototype (the server runs in this process).
 * The server runs with the api role, so no queue worker changes data behind the digest's back.
 */
import fc from 'fast-check';
import { request as httpsRequest } from 'node:https';
import { validateHeaderValue } from 'node:http';
import { apiClient } from '@corral/testing';
import { digestQuery } from '../support/schema-digest';
import { TestServer, isolatedConfig, startTestServer } from '../support/test-server';

const SEED = Number(process.env.CORRAL_FUZZ_SEED ?? 20261205);
const RUNS = Number(process.env.CORRAL_FUZZ_RUNS ?? 600);

interface Fixtures {
  envToken: string;
  roleToken: string;
  poolToken: string;
  hostCredential: string;
  otherCredential: string;
  heldHostname: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const nasty = fc.constantFrom<Json>(
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u001f',
  '\ud800',
  '💥',
  'a'.repeat(70_000),
  '../../../etc/passwd',
  "'; DROP TABLE hosts; --",
  '${binDir}/../../bin/sh',
  '__proto__',
  'constructor',
  '1e309',
  'NaN',
  '-0',
  '0x10',
  '2024-13-45T99:99:99Z',
  -1,
  -2_147_483_649,
  2_147_483_648,
  Number.MAX_SAFE_INTEGER + 2,
  1e308,
  1.5,
  0,
  true,
  null,
  [],
  {},
  { __proto__: { polluted: 'yes' } } as unknown as Json,
  JSON.parse('{"__proto__":{"polluted":"yes"}}') as Json,
);
const anything: fc.Arbitrary<Json> = fc.oneof({ weight: 3, arbitrary: nasty }, fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }));

const DROPPED = Symbol('dropped');
/** A valid value most of the time, hostile or missing now and then: requests get past early checks into later ones. */
function mostly<T extends Json>(valid: fc.Arbitrary<T>): fc.Arbitrary<Json | typeof DROPPED> {
  return fc.oneof({ weight: 14, arbitrary: valid }, { weight: 1, arbitrary: anything }, { weight: 1, arbitrary: fc.constant(DROPPED) });
}
/** A record whose fields are each kept, dropped or made hostile, plus a stray field now and then. */
function hostileRecord(fields: Record<string, fc.Arbitrary<Json>>): fc.Arbitrary<Json> {
  const record = fc
    .record(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, mostly(v)])))
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== DROPPED)) as Record<string, Json>);
  return fc.oneof(
    { weight: 12, arbitrary: record },
    { weight: 1, arbitrary: fc.tuple(record, fc.constantFrom('__proto__', 'constructor', 'extra', 'isAdmin'), anything).map(([r, key, value]) => ({ ...r, [key]: value })) },
    { weight: 1, arbitrary: anything },
  );
}

const hostname = fc.oneof(fc.constantFrom('@@heldHostname@@', '@@heldHostname@@', 'other-host', 'node-1', 'fuzz-a', 'a.b.c', 'UPPER', 'a_b'), fc.stringMatching(/^[a-z0-9]{1,12}$/));
/** mostly one of the good values, now and then one of the bad ones */
const goodOrBad = <T extends Json>(good: T[], bad: T[]) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
const registerBody = hostileRecord({
  token: fc.constantFrom('@@envToken@@', '@@poolToken@@', '@@roleToken@@', '@@roleToken@@', 'crl_rt_forged'),
  hostname,
  addresses: goodOrBad([['10.0.0.9'], ['fd00::9', '10.0.0.8']], [['999.1.1.1'], Array.from({ length: 17 }, () => '10.0.0.1')]),
  labels: goodOrBad([{ zone: 'a' }], [{ 'x/y/z': 'bad' }, { ['k'.repeat(64)]: 'v' }, JSON.parse('{"__proto__":"x"}')]),
  roles: goodOrBad([['worker'], ['etcd', 'controlplane'], ['etcd', 'etcd']], [['root']]),
  agentVersion: goodOrBad(['0.1.0'], ['v'.repeat(65)]),
  registrationId: goodOrBad(['fuzz-registration-0001', 'fuzz-registration-0002'], ['short', 'bad id with spaces!!!!']),
});
const component = hostileRecord({
  name: fc.constantFrom('etcd', 'kubelet', 'n'.repeat(64)),
  specHash: fc.constantFrom('abc123', ''),
  phase: fc.constantFrom('running', 'failed', 'exploded'),
  healthy: fc.boolean(),
  restarts: fc.integer({ min: -5, max: 2_147_483_650 }),
  pid: fc.integer({ min: -5, max: 100_000 }),
  exitCode: fc.constantFrom(0, 1, 255, -9),
  message: fc.constantFrom('ok', 'm'.repeat(4097)),
  since: fc.constantFrom('2025-01-01T00:00:00Z', 'yesterday'),
  crashLoop: fc.boolean(),
  lastLogLines: fc.constantFrom(['a'], Array.from({ length: 101 }, () => 'l')),
});
const image = hostileRecord({
  id: fc.constantFrom('img-1', 'i'.repeat(65)),
  name: fc.constantFrom('corral.local/busybox:1', ''),
  sha256: fc.constantFrom('a'.repeat(64), 'A'.repeat(64), 'nope'),
  imported: fc.boolean(),
  failures: fc.integer({ min: -1, max: 5 }),
  importedAt: fc.constantFrom('2025-01-01T00:00:00Z', 'never'),
});
const statusBody = hostileRecord({
  agentVersion: fc.constantFrom('0.1.0', ''),
  observedRevision: fc.integer({ min: -2, max: 10 }),
  components: fc.array(component, { maxLength: 3 }) as fc.Arbitrary<Json>,
  images: fc.array(image, { maxLength: 2 }) as fc.Arbitrary<Json>,
});
const credential = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('@@hostCredential@@', '@@otherCredential@@') }, { weight: 1, arbitrary: fc.constantFrom('crl_hc_forged', '@@envToken@@', '', 'x'.repeat(5000)) });
const queryValue = fc.oneof(fc.constantFrom('0', '0', '1', '1', '55', '56', '-1', '1e3', '0x1', '%00', '%ZZ', '', '9'.repeat(30), 'NaN'), fc.string({ maxLength: 6 }).map(encodeURIComponent));
const desiredQuery = fc
  .array(fc.tuple(fc.constantFrom('after', 'after', 'wait', 'after[]', '__proto__', 'x'), queryValue), { maxLength: 3 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

interface AgentRequest {
  method: string;
  path: string;
  authorization?: string;
  contentType?: string;
  body?: string;
}
const bodyText = (body: fc.Arbitrary<Json>) =>
  fc.oneof({ weight: 12, arbitrary: body.map((b) => JSON.stringify(b) ?? '') }, { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', 'null', '[]', '"x"', '\u0000', '{"components":[{"name":"etcd"}]'.repeat(3)) });
const REQUEST: fc.Arbitrary<AgentRequest> = fc.oneof(
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/agent/register'), body: bodyText(registerBody), contentType: fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1') }) }),
  fc.record({ method: fc.oneof({ weight: 8, arbitrary: fc.constant('PUT') }, { weight: 1, arbitrary: fc.constant('POST') }), path: fc.constant('/v1/agent/status'), authorization: credential.map((c) => `Bearer ${c}`), body: bodyText(statusBody), contentType: fc.constant('application/json') }),
  fc.record(
    { method: fc.oneof({ weight: 8, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('HEAD', 'DELETE') }), path: desiredQuery.map((q) => `/v1/agent/desired${q}`), authorization: fc.oneof({ weight: 4, arbitrary: credential.map((c) => `Bearer ${c}`) }, { weight: 1, arbitrary: fc.constantFrom('Basic abc', 'Bearer', 'bearer  @@hostCredential@@ x') }) },
    { requiredKeys: ['method', 'path'] },
  ),
);

function send(baseUrl: string, request: AgentRequest, fixtures: Fixtures): Promise<number> {
  const fill = (text: string) => text.replace(/@@(\w+)@@/g, (whole, name: string) => (fixtures as unknown as Record<string, string>)[name] ?? whole);
  const url = new URL(baseUrl);
  const headers: Record<string, string> = {};
  for (const [name, value] of [['authorization', request.authorization], ['content-type', request.contentType]] as const) {
    if (value === undefined) continue;
    try {
      validateHeaderValue(name, fill(value));
      headers[name] = fill(value);
    } catch {
      // a value no HTTP client could send
    }
  }
  const body = request.body === undefined ? undefined : Buffer.from(fill(request.body), 'utf8');
  if (body) headers['content-length'] = String(body.length);
  return new Promise((done, fail) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', fail);
    });
    req.setTimeout(70_000, () => req.destroy(new Error('no answer within 70 s')));
    req.on('error', fail);
    req.end(body);
  });
}

describe('agent protocol fuzzing: hostile values, no 5xx, no writes on rejection', () => {
  let server: TestServer;
  let fixtures: Fixtures;
  let digestSql: string;
  const digest = async () => (await server.sql<Record<string, string>>(digestSql))[0];

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_ROLE: 'api', CORRAL_MAX_LONG_POLLS_PER_HOST: '1000' }));
    const admin = apiClient(server.url, server.adminKey);
    expect((await admin.post('/v1/environments', { name: 'fuzz-agents', etcd: { members: 3 } })).status).toBe(201);
    const envToken = (await admin.post('/v1/environments/fuzz-agents/registration-tokens', { maxUses: 100_000 })).body.token;
    const roleToken = (await admin.post('/v1/environments/fuzz-agents/registration-tokens', { maxUses: 100_000, roles: ['worker'] })).body.token;
    const poolToken = (await admin.post('/v1/pools/fuzz-agents/registration-tokens', {})).body.token;
    const register = async (token: string, name: string) => (await apiClient(server.url).post('/v1/agent/register', { token, hostname: name, addresses: ['10.0.0.1'] })).body;
    const host = await register(envToken, 'held-name');
    const other = await register(poolToken, 'other-host');
    fixtures = { envToken, roleToken, poolToken, hostCredential: host.credential, otherCredential: other.credential, heldHostname: 'held-name' };
    digestSql = await digestQuery(server);
  }, 60_000);
  afterAll(() => server?.close());

  it('the invariant can fail: a rejected request is told apart from one that wrote', async () => {
    const before = await digest();
    expect(await send(server.url, { method: 'PUT', path: '/v1/agent/status', authorization: 'Bearer @@hostCredential@@', contentType: 'application/json', body: '{"agentVersion":"x","observedRevision":1,"components":[]}' }, fixtures)).toBe(204);
    expect((await digest()).hosts).not.toBe(before.hosts);
    const after = await digest();
    expect(await send(server.url, { method: 'POST', path: '/v1/agent/register', contentType: 'application/json', body: '{"token":"@@envToken@@","hostname":"@@heldHostname@@","addresses":["10.0.0.2"]}' }, fixtures)).toBe(409);
    expect(await digest()).toEqual(after);
  });

  it(`survives ${RUNS} hostile agent requests`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(REQUEST, async (request) => {
        const before = await digest();
        const status = await send(server.url, request, fixtures);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(status).toBeLessThan(500);
        if (status >= 300) expect(await digest()).toEqual(before);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // the run reached past validation: some requests were accepted, some refused for each reason
    console.log(`agent fuzz answers: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    for (const expected of [200, 201, 204, 400, 401, 403, 409]) expect(statuses.get(expected) ?? 0).toBeGreaterThan(0);
  }, 600_000);
});
