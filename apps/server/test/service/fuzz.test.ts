/**
 * Property-based fuzzing of the whole HTTP API against a real server (PostgreSQL + Redis).
 *
 * Thousands of random requests (bodies, paths, query strings, headers, credentials) at every
 * endpoint and at unknown paths, checking three invariants on every answer:
 *   1. never a 5xx;
 *   2. every error is the one JSON shape {statusCode, error, message, details?} and its
 *      statusCode is the HTTP status;
 *   3. a rejected request (non-2xx) changes no stored data: a digest of every table of the
 *      schema is the same before and after it.
 * It also checks that no request pollutes Object.prototype (the server runs in this process).
 *
 * The server runs with the api role, so no queue worker changes data behind the digest's back.
 * Requests go through node:http, not fetch, so paths reach the server byte for byte (`..`,
 * `%00`, malformed escapes) instead of being normalised by a URL parser.
 */
import fc from 'fast-check';
import { STATUS_CODES, validateHeaderValue } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:tls';
import { apiClient } from '@corral/testing';
import { TestServer, isolatedConfig, startTestServer } from '../support/test-server';
import { digestQuery } from '../support/schema-digest';

// CORRAL_FUZZ_SEED / CORRAL_FUZZ_RUNS explore further; the suite's own run is fixed
const SEED = Number(process.env.CORRAL_FUZZ_SEED ?? 20251126);
const RUNS = Number(process.env.CORRAL_FUZZ_RUNS ?? 4000);
const REQUEST_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Fixtures: real objects the generated requests may point at, by placeholder. Placeholders keep
// counterexamples readable and let the fixtures be replaced when a fuzzed request deletes one.

interface Fixtures {
  envName: string;
  envId: string;
  tokenId: string;
  token: string;
  hostId: string;
  hostCredential: string;
  pool: string;
  poolTokenId: string;
  poolToken: string;
  poolHostId: string;
  adminKey: string;
  adminKeyId: string;
  writeKey: string;
  writeKeyId: string;
  readKey: string;
  readKeyId: string;
}
const PLACEHOLDER = /@@(\w+)@@/g;
const ph = (name: keyof Fixtures) => `@@${name}@@`;

function resolve(text: string, f: Fixtures, encode = false): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = (f as unknown as Record<string, string>)[name];
    if (value === undefined) return whole;
    return encode ? encodeURIComponent(value) : value;
  });
}

// ---------------------------------------------------------------------------------------------
// Generators

/** Percent-encodes the UTF-8 bytes of any string (lone surrogates become U+FFFD, like a browser). */
function encodeLoose(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Characters Node accepts in a header value: tab, printable ASCII and Latin-1. */
const headerChar = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
  .map((c) => String.fromCharCode(c));
const headerText = fc.string({ unit: headerChar, maxLength: 60 });

const loneSurrogates = fc.constantFrom('\ud800', 'a\udfffb', '\udbff\udbff');
const anyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  loneSurrogates,
);

/** Objects whose own keys are __proto__ / constructor: JSON.parse makes them own properties. */
const pollution = fc.constantFrom(
  JSON.parse('{"__proto__":{"polluted":"yes","scopes":["admin"]}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  JSON.parse('{"__proto__":[],"constructor":null}'),
  JSON.parse('{"prototype":{"polluted":"yes"},"toString":"x","hasOwnProperty":1,"valueOf":{}}'),
);

/** Deeply nested arrays or objects; a marker string expanded into JSON text when the body is sent. */
const deepNesting = fc.record({ depth: fc.constantFrom(100, 5_000, 40_000), kind: fc.constantFrom('array', 'object') }).map(({ depth, kind }) => `@@DEEP-${kind}-${depth}@@`);
const DEEP_MARKER = /"@@DEEP-(array|object)-(\d+)@@"/g;
function expandDeep(json: string): string {
  return json.replace(DEEP_MARKER, (_, kind: string, depth: string) => {
    const n = Number(depth);
    return kind === 'array' ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });
}

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e21, 1e308, -1e308, '', ' ', '0', '-1', 'null', 'true', '[]', '{}') },
  { weight: 3, arbitrary: fc.constantFrom<unknown>('\u0000', 'a\u0000b', '\u202e\u0000', '\ufeff', '💥'.repeat(40), 'x'.repeat(70_000), '1'.repeat(400), '9'.repeat(30) + 'h', '99999999999999d', '1e999h', '0.0000001s', '1h1h', '2562047788015h', '106751991167d', '10000000000000000000000000ms', '9007199254740991ms', '2000000000s', '2147483648s', '1970-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '2025-02-30T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T23:59:60Z', '2025-W01', '2025-001', '::1', '0.0.0.0', '256.0.0.1', 'fe80::1%eth0', '::ffff:10.0.0.1') },
  { weight: 2, arbitrary: fc.constantFrom<unknown>([], [null], [[]], ['\u0000'], [1, 'a', null, {}], {}, { a: { b: { c: [] } } }, Array.from({ length: 1000 }, (_, i) => `v${i}`)) },
  { weight: 3, arbitrary: anyText },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: pollution },
  { weight: 1, arbitrary: deepNesting },
);

const oddKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '\u0000', 'name.x', 'a'.repeat(5000)), anyText);

type Json = unknown;

/** Every path into a JSON value (object keys and array indexes), the root included. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setOwn(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const boundaryNumber = fc.constantFrom(2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 63, 1e21, 1e300, -1, 0, 0.5, 65536, 100001);
const DURATION_EDGES = ['9'.repeat(30) + 'h', '99999999999999d', '2562047788015h', '106751991167d', '9007199254740991ms', '9007199254740992ms', '2147483648s', '596524h', '700000h', '36500d', '1ms', '0.4ms', '0', '0s', '-1h', '1.5h', '1e3s', '1h1h', '1s1h', ' 30m ', '30M'];
const TIME_EDGES = ['+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '+020000-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '2025-02-30T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T23:59:60Z', '2025-W01', '2025-W01-1', '2025-001', '20250101', '20250101T000000Z', '2025-01-01T00:00:00+99:00', '2025-01-01T00:00:00.1234567890Z', '2025', '2025-01', 'T10:00'];
const ADDRESS_EDGES = ['::1', '0.0.0.0', '256.0.0.1', 'fe80::1%eth0', '::ffff:10.0.0.1', '010.000.000.001', '1.2.3', '::', '1::2::3'];
const stringVariants = (original: string) => {
  const shaped = /^\d+(\.\d+)?(ms|[dhms])/.test(original) ? DURATION_EDGES : /^\d{4}-\d{2}-\d{2}T/.test(original) ? TIME_EDGES : /^[\d.:a-f]+$/.test(original) && /[.:]/.test(original) ? ADDRESS_EDGES : null;
  return fc.oneof(
    { weight: shaped ? 4 : 0, arbitrary: fc.constantFrom(...(shaped ?? [''])) },
    { weight: 3, arbitrary: fc.constantFrom(`${original}\u0000`, `\u0000${original}`, original.toUpperCase(), ` ${original} `, original.repeat(300), `${original}\ud800`, `${original}💥`, `${original}\u202e`) },
    { weight: 1, arbitrary: anyText.map((t) => original + t) },
  );
};

/** Values of the same kind as the one replaced, near its edges, plus anything at all. */
function mutantFor(original: unknown): fc.Arbitrary<unknown> {
  const kin =
    typeof original === 'number' ? boundaryNumber
    : typeof original === 'string' ? stringVariants(original)
    : typeof original === 'boolean' ? fc.constantFrom<unknown>('true', 1, 0, null)
    : Array.isArray(original) ? fc.constantFrom<unknown>([...original, ...original], [original[0] ?? null, '\u0000'], Array.from({ length: 600 }, () => original[0] ?? 1), [original])
    : fc.constantFrom<unknown>({ ...(original as object), '\u0000': 'x' }, { ...(original as object), ['a'.repeat(300)]: 'v' }, [original]);
  return fc.oneof({ weight: 3, arbitrary: kin }, { weight: 2, arbitrary: weirdValue });
}

function valueAt(root: Json, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, step) => (v as Record<string | number, unknown>)[step], root);
}

/**
 * A valid body with one thing wrong: a field set to an odd value of its own kind or of any
 * kind, a field removed, or an odd key added; sometimes nothing is wrong, so success paths run.
 */
function nearValid(base: fc.Arbitrary<Record<string, Json>>): fc.Arbitrary<Json> {
  return base.chain((valid) => {
    const all = paths(valid);
    return fc.record({ op: fc.constantFrom('set', 'set', 'set', 'set', 'delete', 'add', 'none'), at: fc.nat({ max: all.length - 1 }) }).chain(({ op, at }) => {
      const path = all[at];
      return fc.record({ value: mutantFor(valueAt(valid, path)), key: oddKey }).map(({ value, key }) => mutate(valid, op, path, value, key));
    });
  });
}

function mutate(valid: Record<string, Json>, op: string, path: (string | number)[], value: unknown, key: string): Json {
  if (op === 'none') return valid;
  const body = structuredClone(valid);
  if (path.length === 0) {
    if (op === 'add') setOwn(body, key, value);
    return op === 'set' ? value : body;
  }
  const parent = valueAt(body, path.slice(0, -1)) as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (op === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (op === 'add') {
    const holder = parent[last];
    if (holder && typeof holder === 'object' && !Array.isArray(holder)) setOwn(holder as Record<string, unknown>, key, value);
    else setOwn(parent, last, value);
  } else setOwn(parent, last, value);
  return body;
}

const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,14}[a-z0-9])?$/);

const createEnvironmentBody = nearValid(
  fc.record({
    name: dnsLabel.map((n) => `fz-${n}`),
    kubernetesVersion: fc.constant('v1.36'),
    labels: fc.constant({ team: 'fuzz', 'corral.dev/tier': 'dev' } as Record<string, string>),
    etcd: fc.record({ members: fc.constantFrom(1, 3, 5) }),
    ttl: fc.constantFrom('30m', '2h', '1h30m', '7d'),
  }),
);
const updateEnvironmentBody = nearValid(fc.record({ labels: fc.constant({ tier: 'dev' } as Record<string, string>), ttl: fc.constantFrom('2h', '45m') }));
const registrationTokenBody = nearValid(fc.record({ ttl: fc.constantFrom('1h', '24h', '30m'), maxUses: fc.integer({ min: 1, max: 10 }) }));
const apiKeyBody = nearValid(fc.record({ name: fc.constantFrom('ci', 'fuzz-key'), scopes: fc.constantFrom(['read'], ['read', 'write'], ['write']) }));
const registerBody = nearValid(
  fc.record({
    token: fc.constantFrom(ph('token'), ph('poolToken')),
    hostname: dnsLabel.map((n) => `node-${n}`),
    addresses: fc.constant(['10.0.0.9', 'fd00::9']),
    labels: fc.constant({ zone: 'a' } as Record<string, string>),
    roles: fc.constantFrom(['worker'], ['etcd', 'controlplane']),
    agentVersion: fc.constant('0.1.0'),
  }),
);
const statusBody = nearValid(
  fc.record({
    agentVersion: fc.constant('0.1.0'),
    observedRevision: fc.nat({ max: 5 }),
    components: fc.constant([
      {
        name: 'etcd',
        specHash: 'abc123',
        phase: 'running',
        healthy: true,
        restarts: 1,
        pid: 4242,
        exitCode: null,
        message: 'serving',
        since: '2025-01-01T00:00:00Z',
        crashLoop: false,
        lastLogLines: ['started'],
      },
    ] as Json[]),
  }),
);
const componentsBody = nearValid(
  fc.record({
    components: fc.constant([
      {
        name: 'etcd',
        kind: 'etcd',
        binary: 'etcd',
        args: ['--name=fuzz', '--data-dir=data/etcd'],
        env: { GOMAXPROCS: '1' },
        files: [{ path: 'pki/ca.crt', content: 'not really a certificate', mode: 0o600 }],
        ports: [2379, 2380],
        probe: { type: 'http', host: '127.0.0.1', port: 2379, path: '/health', intervalSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, initialDelaySeconds: 1 },
        dependsOn: [],
        stopGracePeriodSeconds: 10,
      },
    ] as Json[]),
  }),
);

const malformedJson = fc.oneof(
  fc.constantFrom('{', '{"name": ', '{"name":"x",}', "{'name':'x'}", 'nul', '[', '{"name":"x"}}', '\u0000', '{"a":NaN}', '{"a":Infinity}', '{"a":1e999}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '\ufeff{"a":1}', '', ' ', '"just a string"', '42', 'null', 'true', '{"a":"\\x41"}', '{"a":01}', '{"a":.5}', '{"a":"\t"}', '{"a" 1}', '/* c */{}', '{"__proto__":1}'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.record({ body: fc.jsonValue({ maxDepth: 2 }), cut: fc.nat() }).map(({ body, cut }) => {
    const text = JSON.stringify(body) ?? '';
    return text.slice(0, text.length ? cut % text.length : 0);
  }),
);
const formBody = fc.constantFrom('name=fz-form&etcd[members]=3', '__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes', 'a[b][c][d][e][f][g]=1', 'labels[team]=x&name=fz-form2', '%zz=%zz', '&&&=', 'scopes[]=admin&name=k');

interface BodyChoice {
  text?: string;
  contentType?: string;
}
const jsonContentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | undefined>('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom<string | undefined>(undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=utf-99', 'application/json; charset=UTF-8', 'application/json; charset="utf-8"', 'APPLICATION/JSON', 'application/vnd.api+json', 'application/merge-patch+json', 'application/json;;', 'application/xml', '*/*', 'application/*', 'json', 'text/json', 'application/json; charset=utf-7', 'application/octet-stream'),
  },
  { weight: 1, arbitrary: headerText.map<string | undefined>((t) => t) },
);

function bodyFor(nearValidBody: fc.Arbitrary<Json> | null): fc.Arbitrary<BodyChoice> {
  const json = (value: fc.Arbitrary<Json>) => fc.record({ text: value.map((v) => JSON.stringify(v) ?? 'null'), contentType: jsonContentType });
  // deep nesting is expanded at send time; see expandDeep
  return fc.oneof(
    ...(nearValidBody ? [{ weight: 8, arbitrary: json(nearValidBody) }] : []),
    { weight: 2, arbitrary: json(fc.jsonValue({ maxDepth: 4 })) },
    { weight: 2, arbitrary: fc.record({ text: malformedJson, contentType: jsonContentType }) },
    { weight: 1, arbitrary: fc.record({ text: formBody, contentType: fc.constant('application/x-www-form-urlencoded') }) },
    { weight: 1, arbitrary: fc.constant<BodyChoice>({}) },
  );
}

const trickySegment = fc.constantFrom(
  '..', '.', '%2e%2e', '%2E', '%00', 'a%00b', '%2F', '..%2F..%2Fetc%2Fpasswd', '%', '%zz', '%C0%AF', '%ff', '%E2%80%AE', '%F0%9F%92%A5', '%ED%A0%80',
  '%20', '+', '~', '*', ';', ';a=b', ':', '@', '!', '$', "'", '(', ')', ',', '\u00e9', 'null', 'undefined', '__proto__', 'constructor', 'prototype',
  'hasOwnProperty', '-1', '0', '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'a'.repeat(63), 'a'.repeat(64),
);
const longSegment = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 64, max: 8000 }) }, { weight: 1, arbitrary: fc.constant(20_000) }).map((n) => 'a'.repeat(n));

function segment(...real: (keyof Fixtures)[]): fc.Arbitrary<string> {
  return fc.oneof(
    ...(real.length ? [{ weight: 8, arbitrary: fc.constantFrom(...real.map(ph)) }] : []),
    { weight: 1, arbitrary: fc.uuid().map((u) => (u.length % 2 ? u.toUpperCase() : u)) },
    { weight: 3, arbitrary: trickySegment },
    { weight: 2, arbitrary: anyText.map(encodeLoose) },
    { weight: 1, arbitrary: dnsLabel },
    { weight: 1, arbitrary: longSegment },
  );
}
const envSegment = segment('envName', 'envId', 'envName', 'envId');

/** Page tokens in the server's own format, around timestamps and ids its regex lets through. */
const pageToken = fc
  .tuple(
    fc.oneof(fc.constantFrom('2025-01-01T00:00:00.000000Z', '2025-13-45T99:99:99.000000Z', '0000-01-01T00:00:00.000000Z', '2025-02-30T00:00:00.000000Z', '2025-13-45T99:99:99Z', '2025-02-30 00:00:00+00', '0000-00-00T00:00:00Z', '9999-12-31T23:59:59.999999Z', '2025-01-01T00:00:00.123456+14:00', '2025-01-01T00:00:00+9999', '1970-01-01T00:00:00Z'), fc.constantFrom(...TIME_EDGES)),
    fc.oneof(fc.uuid(), fc.constantFrom('ffffffff-ffff-ffff-ffff-ffffffffffff', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '00000000-0000-0000-0000-000000000000', ph('envId'))),
  )
  .map((cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url'));
/** Label selectors built from the grammar's own pieces, valid and not. */
const selectorPart = fc
  .tuple(
    fc.oneof(fc.constantFrom('team', 'corral.dev/tier', 'a', 'A_b.c', '-x', 'x/', '/x', 'a'.repeat(64), '__proto__', 'constructor'), anyText),
    fc.constantFrom('=', '==', '!=', ' in ', ' notin ', '', '!', ' exists', '=='),
    fc.oneof(fc.constantFrom('fuzz', '', '(a,b)', '(a, b )', '()', '(', ')', '(a,,b)', '(\u0000)', 'x'.repeat(64), '(x,' + 'y,'.repeat(200) + 'z)'), anyText),
  )
  .map(([key, op, value]) => (op === '!' ? `!${key}` : `${key}${op}${value}`));
const selector = fc.array(selectorPart, { minLength: 1, maxLength: 4 }).map((parts) => encodeLoose(parts.join(',')));

const queryValue = fc.oneof(
  anyText.map(encodeLoose),
  pageToken,
  selector,
  fc.constantFrom('', '%', '%zz', '%00', '%2', '%ff', '%C0%AF', '..', '%2e%2e', 'null', '-1', '0', '1', '2', '100', '500', '501', '1e3', '0x10', 'NaN', 'Infinity', '%201', '1.5', '9007199254740993', '1e400',
    encodeURIComponent('a in ('), encodeURIComponent('team=fuzz,tier!=prod'), encodeURIComponent('!team'), encodeURIComponent('team notin (a,b)'), encodeURIComponent('team in (fuzz)'), encodeURIComponent('a=b=c'), encodeURIComponent('a\u0000=b'),
    'pending', 'active', 'deleting', 'removed', 'WyIyMDI1LTAxLTAxVDAwOjAwOjAwWiIsIngiXQ', 'x'.repeat(2000)),
  dnsLabel,
  fc.constant(ph('envName')),
);

/** Query strings from the given known keys plus odd ones; `wait` never asks for a real long-poll. */
function queryFor(keys: string[]): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 4, arbitrary: keys.length ? fc.constantFrom(...keys) : fc.constant('x') }, { weight: 1, arbitrary: fc.constantFrom('limit[]', 'state[a]', 'x', '', '__proto__', 'constructor') }, { weight: 1, arbitrary: anyText.map(encodeLoose) });
  const pair = fc.record({ key, value: fc.option(queryValue, { nil: undefined, freq: 8 }) }).map(({ key, value }) => {
    if (key === 'wait' && value !== undefined && asksToWait(value)) value = '0';
    return value === undefined ? key : `${key}=${value}`;
  });
  return fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 3, arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.join('&')}`) });
}
function asksToWait(raw: string): boolean {
  const decoded = [new URLSearchParams(`w=${raw}`).get('w') ?? '', raw];
  return decoded.some((v) => {
    const n = Number(v);
    return Number.isFinite(n) && n >= 0.5;
  });
}

const ANY_AUTH = [ph('adminKey'), ph('writeKey'), ph('readKey'), ph('hostCredential')].map((k) => `Bearer ${k}`);
const anyAuth = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<string | undefined>(undefined, ...ANY_AUTH) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<string | undefined>(
      `bearer ${ph('adminKey')}`, `BEARER   ${ph('readKey')}  `, `Token ${ph('adminKey')}`, `Basic ${ph('adminKey')}`, ph('adminKey'), `Bearer ${ph('adminKey')}x`,
      `Bearer x${ph('adminKey')}`, `Bearer ${ph('adminKey')} ${ph('adminKey')}`, `Bearer\t${ph('hostCredential')}`, 'Bearer', 'Bearer ', '', 'Basic YWRtaW46YWRtaW4=',
      'Bearer null', 'Bearer undefined', 'Bearer crl_ak_', 'Bearer crl_hc_', 'Bearer crl_rt_', `Bearer ${'a'.repeat(8000)}`, `Bearer ${ph('token')}`,
    ),
  },
  { weight: 1, arbitrary: headerText.map((t) => `Bearer ${t}`) },
  { weight: 1, arbitrary: headerText },
);
type Need = 'admin' | 'write' | 'read' | 'host' | 'public';
function authFor(need: Need): fc.Arbitrary<string | undefined> {
  const right = need === 'host' ? `Bearer ${ph('hostCredential')}` : need === 'public' ? undefined : `Bearer ${ph(`${need}Key`)}`;
  return fc.oneof({ weight: 6, arbitrary: fc.constant(right) }, { weight: 1, arbitrary: fc.constant(`Bearer ${ph('adminKey')}`) }, { weight: 3, arbitrary: anyAuth });
}

const extraHeaders = fc.record(
  {
    'x-request-id': fc.oneof(headerText, fc.constant('x'.repeat(5000))),
    accept: fc.constantFrom('text/html', '*/*', 'application/xml', ''),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'),
    'x-http-method-override': fc.constantFrom('DELETE', 'PATCH'),
  },
  { requiredKeys: [] },
);

interface FuzzRequest {
  endpoint: string;
  method: string;
  path: string;
  query: string;
  authorization?: string;
  body: BodyChoice;
  headers: Record<string, string>;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE'];
/** Every endpoint, and whether the run must see it succeed at least once. */
const ENDPOINT_NAMES = new Map<string, boolean>();

function endpoint(
  name: string,
  method: string,
  path: fc.Arbitrary<string>,
  options: { need: Need; body?: fc.Arbitrary<Json> | null; query?: string[]; neverSucceeds?: string },
): fc.Arbitrary<FuzzRequest> {
  ENDPOINT_NAMES.set(name, !options.neverSucceeds);
  return fc.record({
    endpoint: fc.constant(name),
    method: fc.oneof({ weight: 12, arbitrary: fc.constant(method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    path,
    query: options.query ? queryFor(options.query) : fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryFor([]) }),
    authorization: authFor(options.need),
    body: options.body === undefined ? fc.oneof({ weight: 4, arbitrary: fc.constant<BodyChoice>({}) }, { weight: 1, arbitrary: bodyFor(null) }) : bodyFor(options.body),
    headers: fc.oneof({ weight: 6, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders as fc.Arbitrary<Record<string, string>> }),
  });
}

const p = (...parts: fc.Arbitrary<string>[]) => fc.tuple(...parts).map((segments) => `/${segments.join('/')}`);
const lit = (text: string) => fc.constant(text);

const ENDPOINTS: fc.Arbitrary<FuzzRequest>[] = [
  endpoint('POST /v1/environments', 'POST', lit('/v1/environments'), { need: 'write', body: createEnvironmentBody }),
  endpoint('GET /v1/environments', 'GET', lit('/v1/environments'), { need: 'read', query: ['labelSelector', 'state', 'limit', 'continue'] }),
  endpoint('GET /v1/environments/{env}', 'GET', p(lit('v1'), lit('environments'), envSegment), { need: 'read' }),
  endpoint('PATCH /v1/environments/{env}', 'PATCH', p(lit('v1'), lit('environments'), envSegment), { need: 'write', body: updateEnvironmentBody }),
  endpoint('DELETE /v1/environments/{env}', 'DELETE', p(lit('v1'), lit('environments'), segment('envName')), { need: 'write' }),
  endpoint('GET /v1/environments/{env}/events', 'GET', p(lit('v1'), lit('environments'), envSegment, lit('events')), { need: 'read' }),
  endpoint('POST /v1/environments/{env}/registration-tokens', 'POST', p(lit('v1'), lit('environments'), envSegment, lit('registration-tokens')), { need: 'write', body: registrationTokenBody }),
  endpoint('GET /v1/environments/{env}/registration-tokens', 'GET', p(lit('v1'), lit('environments'), envSegment, lit('registration-tokens')), { need: 'read' }),
  endpoint('DELETE /v1/environments/{env}/registration-tokens/{id}', 'DELETE', p(lit('v1'), lit('environments'), envSegment, lit('registration-tokens'), segment('tokenId', 'poolTokenId', 'envId', 'hostId')), { need: 'write' }),
  endpoint('POST /v1/pools/{pool}/registration-tokens', 'POST', p(lit('v1'), lit('pools'), segment('pool'), lit('registration-tokens')), { need: 'write', body: registrationTokenBody }),
  endpoint('GET /v1/pools/{pool}/registration-tokens', 'GET', p(lit('v1'), lit('pools'), segment('pool'), lit('registration-tokens')), { need: 'read' }),
  endpoint('DELETE /v1/pools/{pool}/registration-tokens/{id}', 'DELETE', p(lit('v1'), lit('pools'), segment('pool'), lit('registration-tokens'), segment('poolTokenId', 'tokenId')), { need: 'write' }),
  endpoint('GET /v1/environments/{env}/kubeconfig', 'GET', p(lit('v1'), lit('environments'), envSegment, lit('kubeconfig')), { need: 'read', query: ['endpoint', 'ttl'] }),
  endpoint('POST /v1/api-keys', 'POST', lit('/v1/api-keys'), { need: 'admin', body: apiKeyBody }),
  endpoint('GET /v1/api-keys', 'GET', lit('/v1/api-keys'), { need: 'admin' }),
  endpoint('DELETE /v1/api-keys/{id}', 'DELETE', p(lit('v1'), lit('api-keys'), segment('adminKeyId', 'readKeyId', 'writeKeyId', 'adminKeyId', 'hostId')), { need: 'admin' }),
  endpoint('GET /v1/hosts', 'GET', lit('/v1/hosts'), { need: 'read', query: ['environment', 'state', 'labelSelector'] }),
  endpoint('GET /v1/hosts/{id}', 'GET', p(lit('v1'), lit('hosts'), segment('hostId', 'poolHostId', 'envId')), { need: 'read' }),
  endpoint('DELETE /v1/hosts/{id}', 'DELETE', p(lit('v1'), lit('hosts'), segment('hostId', 'poolHostId', 'envId')), { need: 'write' }),
  // only a pool host takes components directly; an environment's host answers 409
  endpoint('PUT /v1/hosts/{id}/components', 'PUT', p(lit('v1'), lit('hosts'), segment('poolHostId', 'poolHostId', 'poolHostId', 'hostId', 'envId'), lit('components')), { need: 'admin', body: componentsBody }),
  endpoint('POST /v1/agent/register', 'POST', lit('/v1/agent/register'), { need: 'public', body: registerBody }),
  endpoint('GET /v1/agent/desired', 'GET', lit('/v1/agent/desired'), { need: 'host', query: ['after', 'wait'] }),
  endpoint('PUT /v1/agent/status', 'PUT', lit('/v1/agent/status'), { need: 'host', body: statusBody }),
];

const ROUTE_WORDS = ['v1', 'environments', 'registration-tokens', 'events', 'kubeconfig', 'pools', 'api-keys', 'hosts', 'components', 'agent', 'register', 'desired', 'status', 'v2', 'admin', ''];
const unknownPath = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ROUTE_WORDS) }, { weight: 2, arbitrary: segment('envName', 'hostId') }), { minLength: 1, maxLength: 6 })
  .map((segments) => `/${segments.join('/')}`)
  .filter((path) => !/^\/(docs|healthz|readyz|metrics)(\/|$)/.test(path));
const UNKNOWN = fc.record({
  endpoint: fc.constant('unknown paths'),
  method: fc.constantFrom(...METHODS),
  path: unknownPath,
  query: queryFor([]),
  authorization: anyAuth,
  body: bodyFor(null),
  headers: fc.oneof(fc.constant({}), extraHeaders as fc.Arbitrary<Record<string, string>>),
});

/** Counterexamples the fuzzing found (each was a 5xx or an empty error body), with the answer now expected. */
const json = (value: unknown): BodyChoice => ({ text: JSON.stringify(value), contentType: 'application/json' });
const asAdmin = `Bearer ${ph('adminKey')}`;
const asHost = `Bearer ${ph('hostCredential')}`;
const observed = { name: 'etcd', specHash: 'abc', phase: 'running', healthy: true, restarts: 0, since: '2025-01-01T00:00:00Z' };
const status = (component: unknown) => json({ agentVersion: '0.1', observedRevision: 1, components: [component] });
const spec = { name: 'etcd', kind: 'etcd', binary: 'etcd', args: [], files: [], ports: [2379] };
const KNOWN: Array<[expected: number, method: string, path: string, authorization: string | undefined, body?: BodyChoice]> = [
  [400, 'GET', '/v1/environments/\u00e9', asAdmin], // a raw non-ASCII byte: Node's parser answered with an empty body
  [431, 'GET', `/v1/environments/${'a'.repeat(20_000)}`, asAdmin], // the same for oversized headers
  [404, 'GET', '/v1/environments/%00', asAdmin],
  [404, 'DELETE', `/v1/environments/a%00b/registration-tokens/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`, asAdmin],
  [404, 'GET', '/v1/hosts?environment=%00', asAdmin],
  [400, 'GET', `/v1/environments?continue=${Buffer.from(JSON.stringify(['2025-13-45T99:99:99Z', '00000000-0000-0000-0000-000000000000'])).toString('base64url')}`, asAdmin],
  [400, 'POST', '/v1/api-keys', asAdmin, { text: '{"name":"ci","scopes":["@@DEEP-array-5000@@"]}', contentType: 'application/json' }],
  [400, 'PATCH', `/v1/environments/${ph('envName')}`, asAdmin, { text: '{"labels":{"tier":"@@DEEP-object-40000@@"}}', contentType: 'application/json' }],
  [400, 'POST', '/v1/api-keys', asAdmin, json({ name: 'ci\u0000', scopes: ['read'] })],
  [400, 'POST', '/v1/agent/register', undefined, json({ token: ph('token'), hostname: 'node-nul', addresses: ['10.0.0.9'], agentVersion: '0.1.0\u0000' })],
  [400, 'PUT', '/v1/agent/status', asHost, json({ agentVersion: '\u00000.1', observedRevision: 1, components: [] })], // was a 500 after a partial write
  [400, 'PUT', '/v1/agent/status', asHost, status({ ...observed, message: 'a\u0000b' })],
  [400, 'PUT', '/v1/agent/status', asHost, status({ ...observed, lastLogLines: ['\ud800'] })],
  [400, 'PUT', '/v1/agent/status', asHost, status({ ...observed, restarts: 1e21 })],
  [400, 'PUT', '/v1/agent/status', asHost, status({ ...observed, restarts: 2 ** 31 })],
  [400, 'PUT', '/v1/agent/status', asHost, status({ ...observed, pid: -(2 ** 31) - 1 })],
  [400, 'PUT', '/v1/agent/status', asHost, status({ ...observed, since: '20250101T000000Z' })],
  [400, 'PUT', '/v1/agent/status', asHost, json({ agentVersion: '0.1', observedRevision: 1, components: [[observed]] })],
  [400, 'PUT', `/v1/hosts/${ph('poolHostId')}/components`, asAdmin, json({ components: [{ ...spec, kind: 'etcd\udbff' }] })],
  [400, 'PUT', `/v1/hosts/${ph('poolHostId')}/components`, asAdmin, json({ components: [{ ...spec, files: [{ path: 'a', content: 'x\u0000', mode: 384 }] }] })],
  [400, 'PUT', `/v1/hosts/${ph('poolHostId')}/components`, asAdmin, json({ components: [[spec]] })],
  [400, 'POST', '/v1/environments', asAdmin, json({ name: 'fz-members', etcd: [{ members: 3 }] })], // was silently 1 member
  [400, 'POST', '/v1/environments', asAdmin, json({ name: 'fz-ttl-1', ttl: '700000h' })],
  [400, 'POST', '/v1/environments', asAdmin, json({ name: 'fz-ttl-2', ttl: '9007199254740991ms' })],
  [400, 'PATCH', `/v1/environments/${ph('envName')}`, asAdmin, json({ ttl: '700000h' })],
  [400, 'POST', `/v1/environments/${ph('envName')}/registration-tokens`, asAdmin, json({ ttl: '2562047788015h' })],
  [400, 'POST', `/v1/pools/${ph('pool')}/registration-tokens`, asAdmin, json({ ttl: '2562047788015h' })],
  [404, 'GET', `/v1/environments/${ph('envName')}/kubeconfig?endpoint=direct`, asAdmin], // its error went out as application/yaml; no kube-apiserver without the provisioning worker
  [409, 'PUT', `/v1/hosts/${ph('hostId')}/components`, asAdmin, json({ components: [spec] })],
];

const REQUEST = fc.oneof(...ENDPOINTS.map((arbitrary) => ({ weight: 3, arbitrary })), { weight: 4, arbitrary: UNKNOWN });

// ---------------------------------------------------------------------------------------------
// Sending and checking

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

function send(baseUrl: string, request: FuzzRequest, f: Fixtures): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = {};
  const add = (name: string, value: string | undefined) => {
    if (value === undefined) return;
    try {
      validateHeaderValue(name, value);
      headers[name] = value;
    } catch {
      // a value no HTTP client could send; leave the header out
    }
  };
  add('authorization', request.authorization === undefined ? undefined : resolve(request.authorization, f));
  for (const [name, value] of Object.entries(request.headers)) add(name, value);
  const body = request.body.text === undefined ? undefined : Buffer.from(expandDeep(resolve(request.body.text, f)), 'utf8');
  if (body) {
    add('content-type', request.body.contentType);
    headers['content-length'] = String(body.length);
  }
  const path = resolve(request.path, f, true) + resolve(request.query, f, true);
  return new Promise((done, fail) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, method: request.method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS}ms`)));
    req.on('error', fail);
    req.end(body);
  });
}

/** Problems with an answer, or an empty list. */
function answerProblems(method: string, res: RawResponse): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`answered ${res.status}`);
  if (res.status < 400) return problems;
  if (!res.contentType.startsWith('application/json')) problems.push(`error content-type is "${res.contentType}"`);
  if (method === 'HEAD') return problems; // the answer to HEAD has the headers of the error, not its body
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return [...problems, `error body is not JSON: ${res.text.slice(0, 200)}`];
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [...problems, 'error body is not an object'];
  const b = body as Record<string, unknown>;
  const extra = Object.keys(b).filter((k) => !['statusCode', 'error', 'message', 'details'].includes(k));
  if (extra.length) problems.push(`error body has extra keys ${extra.join(', ')}`);
  if (b.statusCode !== res.status) problems.push(`statusCode ${String(b.statusCode)} is not the HTTP status ${res.status}`);
  if (b.error !== STATUS_CODES[res.status]) problems.push(`error "${String(b.error)}" is not "${STATUS_CODES[res.status]}"`);
  if (typeof b.message !== 'string' || !b.message) problems.push('message is not a non-empty string');
  if (b.details !== undefined) {
    const ok = Array.isArray(b.details) && b.details.every((d) => d && typeof d === 'object' && typeof d.field === 'string' && typeof d.message === 'string' && Object.keys(d).length === 2);
    if (!ok) problems.push(`details is not a list of {field, message}: ${JSON.stringify(b.details).slice(0, 200)}`);
  }
  return problems;
}

function pollutedPrototype(): string[] {
  const probe = {} as Record<string, unknown>;
  return ['polluted', 'scopes', 'isAdmin'].filter((k) => probe[k] !== undefined);
}

// ---------------------------------------------------------------------------------------------

describe('API fuzzing: no 5xx, one error shape, no writes on rejection', () => {
  let server: TestServer;
  let fixtures: Fixtures;
  let digestSql: string;
  const digest = async () => (await server.sql<Record<string, string>>(digestSql))[0];

  async function newEnvironment(): Promise<Pick<Fixtures, 'envName' | 'envId' | 'tokenId' | 'token'>> {
    const admin = apiClient(server.url, server.adminKey);
    const name = `fixture-${Math.random().toString(36).slice(2, 10)}`;
    const env = await admin.post('/v1/environments', { name, labels: { team: 'fuzz' } });
    expect(env.status).toBe(201);
    const token = await admin.post(`/v1/environments/${name}/registration-tokens`, { ttl: '24h', maxUses: 100000 });
    expect(token.status).toBe(201);
    return { envName: name, envId: env.body.id, tokenId: token.body.id, token: token.body.token };
  }
  async function register(token: string): Promise<{ hostId: string; credential: string }> {
    const reg = await apiClient(server.url).post('/v1/agent/register', { token, hostname: `fixture-${Math.random().toString(36).slice(2, 8)}`, addresses: ['10.0.0.1'], roles: ['etcd', 'worker'] });
    expect(reg.status).toBe(201);
    return reg.body;
  }
  async function newHost(token: string): Promise<Pick<Fixtures, 'hostId' | 'hostCredential'>> {
    const { hostId, credential } = await register(token);
    return { hostId, hostCredential: credential };
  }
  async function newPoolToken(): Promise<Pick<Fixtures, 'pool' | 'poolTokenId' | 'poolToken'>> {
    const res = await apiClient(server.url, server.adminKey).post('/v1/pools/fuzz-pool/registration-tokens', { ttl: '24h' });
    expect(res.status).toBe(201);
    return { pool: 'fuzz-pool', poolTokenId: res.body.id, poolToken: res.body.token };
  }
  /** A host outside any environment, the only kind whose components an admin sets directly. */
  async function newPoolHost(token: string): Promise<Pick<Fixtures, 'poolHostId'>> {
    const { hostId } = await register(token);
    const spec = { name: 'etcd', kind: 'etcd', binary: 'etcd', args: ['--name=fixture'], files: [], ports: [2379] };
    expect((await apiClient(server.url, server.adminKey).put(`/v1/hosts/${hostId}/components`, { components: [spec] })).status).toBe(200);
    return { poolHostId: hostId };
  }
  async function newKey(scope: 'read' | 'write'): Promise<{ key: string; id: string }> {
    const res = await apiClient(server.url, server.adminKey).post('/v1/api-keys', { name: `fixture-${scope}`, scopes: [scope] });
    expect(res.status).toBe(201);
    return { key: res.body.key, id: res.body.id };
  }

  /** Fuzzed requests may delete or revoke a fixture; put a fresh one in its place. */
  async function repairFixtures(): Promise<void> {
    const [env] = await server.sql<{ state: string }>('SELECT state FROM environments WHERE id = $1', [fixtures.envId]);
    const [token] = await server.sql<{ revoked_at: Date | null }>('SELECT revoked_at FROM registration_tokens WHERE id = $1', [fixtures.tokenId]);
    if (env?.state !== 'pending' || token?.revoked_at) Object.assign(fixtures, await newEnvironment());
    const [host] = await server.sql<{ state: string }>('SELECT state FROM hosts WHERE id = $1', [fixtures.hostId]);
    if (host?.state !== 'active') Object.assign(fixtures, await newHost(fixtures.token));
    const [poolToken] = await server.sql<{ revoked_at: Date | null }>('SELECT revoked_at FROM registration_tokens WHERE id = $1', [fixtures.poolTokenId]);
    if (poolToken?.revoked_at) Object.assign(fixtures, await newPoolToken());
    const [poolHost] = await server.sql<{ state: string }>('SELECT state FROM hosts WHERE id = $1', [fixtures.poolHostId]);
    if (poolHost?.state !== 'active') Object.assign(fixtures, await newPoolHost(fixtures.poolToken));
    const keys = (await server.sql<{ id: string }>('SELECT id FROM api_keys WHERE id = ANY($1::uuid[])', [[fixtures.readKeyId, fixtures.writeKeyId]])).map((r) => r.id);
    if (!keys.includes(fixtures.readKeyId)) {
      const { key, id } = await newKey('read');
      Object.assign(fixtures, { readKey: key, readKeyId: id });
    }
    if (!keys.includes(fixtures.writeKeyId)) {
      const { key, id } = await newKey('write');
      Object.assign(fixtures, { writeKey: key, writeKeyId: id });
    }
  }

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_ROLE: 'api' }));
    const [admin] = await server.sql<{ id: string }>(`SELECT id FROM api_keys WHERE name = 'bootstrap-admin'`);
    const env = await newEnvironment();
    const host = await newHost(env.token);
    const pool = await newPoolToken();
    const poolHost = await newPoolHost(pool.poolToken);
    const read = await newKey('read');
    const write = await newKey('write');
    fixtures = { ...env, ...host, ...pool, ...poolHost, adminKey: server.adminKey, adminKeyId: admin.id, readKey: read.key, readKeyId: read.id, writeKey: write.key, writeKeyId: write.id };
    digestSql = await digestQuery(server);
  }, 60_000);
  afterAll(() => server?.close());

  it('the digest sees a change to any table, and ignores only api_keys.last_used_at', async () => {
    const before = await digest();
    expect(Object.keys(before).sort()).toEqual(expect.arrayContaining(['api_keys', 'component_statuses', 'components', 'environments', 'events', 'hosts', 'registration_tokens']));
    await server.sql(`UPDATE api_keys SET last_used_at = now() - interval '1 day'`);
    expect(await digest()).toEqual(before);
    await server.sql(`UPDATE environments SET labels = labels || '{"probe":"x"}' WHERE id = $1`, [fixtures.envId]);
    const after = await digest();
    expect(after.environments).not.toBe(before.environments);
    expect({ ...after, environments: before.environments }).toEqual(before);
    await server.sql(`UPDATE environments SET labels = labels - 'probe' WHERE id = $1`, [fixtures.envId]);
    expect(await digest()).toEqual(before);
  });

  it('the checks catch what they claim to', () => {
    expect(answerProblems('GET', { status: 500, contentType: 'application/json', text: '{"statusCode":500,"error":"Internal Server Error","message":"x"}' })).toEqual(['answered 500']);
    expect(answerProblems('GET', { status: 404, contentType: 'text/html', text: 'nope' })).toHaveLength(2);
    expect(answerProblems('GET', { status: 400, contentType: 'application/json', text: '{"statusCode":404,"error":"Bad Request","message":"m"}' })).toHaveLength(1);
    expect(answerProblems('GET', { status: 400, contentType: 'application/json', text: '{"statusCode":400,"error":"Bad Request","message":"m","path":"/"}' })).toHaveLength(1);
    expect(answerProblems('GET', { status: 400, contentType: 'application/json', text: '{"statusCode":400,"error":"Bad Request","message":"m","details":[{"field":"a"}]}' })).toHaveLength(1);
    expect(answerProblems('GET', { status: 400, contentType: 'application/json; charset=utf-8', text: '{"statusCode":400,"error":"Bad Request","message":"m","details":[{"field":"a","message":"b"}]}' })).toEqual([]);
  });

  it.each(KNOWN.map(([expected, method, path, authorization, body]) => ({ expected, method, path, authorization, body, name: `${method} ${path.slice(0, 90)}` })))(
    'answers $expected, in the one shape and without writing, to $name',
    async ({ expected, method, path: pathAndQuery, authorization, body = {} }) => {
      const [path, query = ''] = pathAndQuery.split(/(?=\?)/);
      const before = await digest();
      const res = await send(server.url, { endpoint: 'known', method, path, query, authorization, body, headers: {} }, fixtures);
      expect({ status: res.status, problems: answerProblems(method, res) }).toEqual({ status: expected, problems: [] });
      expect(await digest()).toEqual(before);
    },
  );

  it.each([
    ['a space in the path', 'GET /v1/environments/a b HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a control character in a header', 'GET /v1/environments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u0001\r\n\r\n', 400],
    ['a bad content-length', 'POST /v1/environments HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
    ['two content-lengths', 'POST /v1/environments HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}', 400],
    ['a broken chunk', 'POST /v1/environments HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400],
    ['not HTTP at all', '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003', 400],
    ['headers over the limit', `GET /v1/environments HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('answers a request Node cannot parse (%s) in the one shape', async (_what, raw, expected) => {
    const url = new URL(server.url);
    const answer = await new Promise<string>((done, fail) => {
      const socket = connect({ port: Number(url.port), host: url.hostname }, () => socket.end(Buffer.from(raw, 'latin1')));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => done(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', fail);
      socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy(new Error('no answer')));
    });
    const [head, body] = answer.split('\r\n\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const contentType = /content-type: ([^\r]+)/i.exec(head)?.[1] ?? '';
    expect({ status, problems: answerProblems('GET', { status, contentType, text: body ?? '' }) }).toEqual({ status: expected, problems: [] });
  });

  it('survives thousands of random requests at every endpoint', async () => {
    const tally = new Map<string, { ok: number; rejected: number; statuses: Map<number, number> }>();
    let before = await digest();
    await fc.assert(
      fc.asyncProperty(REQUEST, async (request) => {
        const res = await send(server.url, request, fixtures);
        const problems = answerProblems(request.method, res);
        const after = await digest();
        const ok = res.status >= 200 && res.status < 300;
        if (!ok) {
          const changed = Object.keys(after).filter((table) => after[table] !== before[table]);
          if (changed.length) problems.push(`rejected with ${res.status} but changed ${changed.join(', ')}`);
        }
        const polluted = pollutedPrototype();
        if (polluted.length) problems.push(`Object.prototype polluted with ${polluted.join(', ')}`);
        const entry = tally.get(request.endpoint) ?? { ok: 0, rejected: 0, statuses: new Map() };
        entry[ok ? 'ok' : 'rejected']++;
        entry.statuses.set(res.status, (entry.statuses.get(res.status) ?? 0) + 1);
        tally.set(request.endpoint, entry);
        if (ok && request.method === 'DELETE') await repairFixtures();
        before = ok && request.method === 'DELETE' ? await digest() : after;
        if (problems.length) {
          throw new Error(`${problems.join('; ')}\n-> ${request.method} ${resolve(request.path, fixtures, true)}${request.query.slice(0, 300)} answered ${res.status}: ${res.text.slice(0, 500)}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );

    const summary = [...tally].map(([name, t]) => `${name.padEnd(56)} 2xx ${String(t.ok).padStart(4)}  rejected ${String(t.rejected).padStart(4)}  ${[...t.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}x${n}`).join(' ')}`);
    process.stdout.write(`\nfuzz: ${RUNS} requests, seed ${SEED}\n${summary.join('\n')}\n`);
    // the fuzzing must reach past authentication and validation everywhere, or it proves little
    for (const [name, mustSucceed] of ENDPOINT_NAMES) {
      const t = tally.get(name);
      expect({ name, reachedSuccess: (t?.ok ?? 0) > 0, sawRejection: (t?.rejected ?? 0) > 0 }).toEqual({ name, reachedSuccess: mustSucceed, sawRejection: true });
    }
  }, 120_000);
});
