import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from '@corral/testing';
import { TestServer, dropIsolation, isolatedConfig, startTestServer } from '../support/test-server';
import { ociArchive, sha256 } from '@corral/testing';
import { createServer } from '../../src/create-server';

/**
 * The image archive API against the real PostgreSQL and Redis: uploads (checked, idempotent,
 * replacing), the agents' download, desired states that carry the images and wake the polls,
 * hosts' reports, and the bundled images of CORRAL_IMAGE_DIR.
 */
describe('images API', () => {
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    // API only: no worker moves anything behind the test's back; a small upload limit to test it
    server = await startTestServer(isolatedConfig({ CORRAL_ROLE: 'api', CORRAL_IMAGE_MAX_SIZE: '64Ki' }));
    admin = apiClient(server.url, server.adminKey);
  });
  afterAll(() => server?.close());

  const upload = (body: Buffer | string, headers: Record<string, string> = {}, key = server.adminKey) =>
    fetch(`${server.url}/v1/images`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-tar', ...headers }, body });
  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });
  /** everything stored about images, to show a refused request changed nothing */
  const stored = async () => ({
    images: await server.sql(`SELECT id, name, sha256, source FROM images ORDER BY name`),
    chunks: await server.sql(`SELECT image_id, seq, sha256 FROM image_chunks ORDER BY image_id, seq`),
  });
  const register = async (hostname: string) => {
    const token = (await admin.post('/v1/pools/img/registration-tokens', {})).body.token;
    const reg = (await apiClient(server.url).post('/v1/agent/register', { token, hostname, addresses: ['10.9.0.1'], roles: ['worker'] })).body;
    return { id: reg.hostId as string, credential: reg.credential as string, agent: apiClient(server.url, reg.credential) };
  };
  const containerdSpec = (extra: Record<string, unknown> = {}) => ({
    name: 'containerd',
    kind: 'containerd',
    binary: 'containerd',
    args: ['--config', '${componentDir}/config.toml'],
    files: [],
    ports: [],
    ...extra,
  });

  it('stores an upload (201), lists and shows it, and takes the same archive again as a no-op (200)', async () => {
    const archive = ociArchive({ name: 'corral.local/app:1.0', content: 'app v1' });
    const first = await json(await upload(archive));
    expect(first).toEqual({
      status: 201,
      body: { id: expect.any(String), name: 'corral.local/app:1.0', sha256: sha256(archive), sizeBytes: archive.length, manifestDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), source: 'uploaded', createdAt: expect.any(String) },
    });
    const again = await json(await upload(archive));
    expect(again).toEqual({ status: 200, body: first.body });
    expect((await admin.get('/v1/images')).body.items).toContainEqual(first.body);
    expect((await admin.get(`/v1/images/${first.body.id}`)).body).toEqual(first.body);
    const events = await server.sql<{ reason: string; message: string }>(`SELECT reason, message FROM events WHERE reason LIKE 'Image%' ORDER BY id`);
    expect(events).toEqual([{ reason: 'ImageAdded', message: expect.stringContaining('image corral.local/app:1.0') }]);
    expect(events[0].message).toContain('by API key');
  });

  it('replaces an image of the same name with other content: a new id and sha256, the old one gone', async () => {
    const v1 = (await json(await upload(ociArchive({ name: 'corral.local/swap:1', content: 'one' })))).body;
    const v2 = await json(await upload(ociArchive({ name: 'corral.local/swap:1', content: 'two' })));
    expect(v2.status).toBe(201);
    expect(v2.body.id).not.toBe(v1.id);
    expect(v2.body.sha256).not.toBe(v1.sha256);
    expect((await admin.get(`/v1/images/${v1.id}`)).status).toBe(404);
    expect((await admin.get('/v1/images')).body.items.filter((i: { name: string }) => i.name === 'corral.local/swap:1')).toEqual([v2.body]);
    expect(await server.sql(`SELECT count(*)::int AS n FROM image_chunks WHERE image_id = $1`, [v1.id])).toEqual([{ n: 0 }]);
    const [event] = await server.sql<{ message: string }>(`SELECT message FROM events WHERE reason = 'ImageReplaced'`);
    expect(event.message).toContain(`replaced sha256 ${v1.sha256.slice(0, 12)}`);
  });

  it.each<[string, () => Buffer | string, Record<string, string>, number, string | undefined, RegExp]>([
    ['no Content-Type', () => ociArchive({ name: 'corral.local/bad:1' }), { 'content-type': '' }, 415, undefined, /Content-Type must be application\/x-tar/],
    ['a JSON body', () => JSON.stringify({ name: 'x' }), { 'content-type': 'application/json' }, 415, undefined, /Content-Type must be application\/x-tar .*got "application\/json"/],
    ['an empty body', () => Buffer.alloc(0), {}, 400, 'body', /empty/],
    ['bytes that are not a tar', () => Buffer.alloc(2048, 'x'), {}, 400, 'body', /not a tar archive/],
    ['a truncated archive', () => ociArchive({ name: 'corral.local/bad:1' }).subarray(0, 700), {}, 400, undefined, /truncated/],
    ['no name annotation', () => ociArchive({ name: null }), {}, 400, 'index.json.manifests[0].annotations["io.containerd.image.name"]', /is missing/],
    ['a name without a tag', () => ociArchive({ name: 'corral.local/bad' }), {}, 400, 'index.json.manifests[0].annotations["io.containerd.image.name"]', /no tag/],
    ['two manifests', () => ociArchive({ name: 'corral.local/bad:1', manifests: 2 }), {}, 400, 'index.json.manifests', /exactly one manifest/],
    ['no oci-layout', () => ociArchive({ name: 'corral.local/bad:1', layout: null }), {}, 400, 'oci-layout', /is missing/],
    ['a blob that does not match its digest', () => ociArchive({ name: 'corral.local/bad:1', corruptBlob: true }), {}, 400, undefined, /does not match its digest/],
    ['the manifest blob missing', () => ociArchive({ name: 'corral.local/bad:1', dropManifestBlob: true }), {}, 400, 'index.json.manifests[0].digest', /not in the archive/],
  ])('refuses %s (%#), naming what is wrong, and stores nothing', async (_what, body, headers, status, field, message) => {
    const before = await stored();
    const res = await json(await upload(body(), headers));
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ statusCode: status, message: expect.stringMatching(message) });
    if (field) expect(res.body.details).toEqual([{ field, message: expect.stringMatching(message) }]);
    expect(await stored()).toEqual(before);
  });

  it('refuses an archive over CORRAL_IMAGE_MAX_SIZE (413), by its Content-Length or as it streams in', async () => {
    const before = await stored();
    const big = Buffer.concat([ociArchive({ name: 'corral.local/big:1' }), Buffer.alloc(80 * 1024)]);
    const declared = await json(await upload(big));
    expect(declared).toMatchObject({ status: 413, body: { message: expect.stringContaining('CORRAL_IMAGE_MAX_SIZE') } });
    // chunked: no Content-Length, the limit is found while reading
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${server.url}/v1/images`);
      const req = httpsRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/x-tar', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < big.length; i += 16 * 1024) req.write(big.subarray(i, i + 16 * 1024));
      req.end();
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).message).toContain('larger than 64 KiB');
    expect(await stored()).toEqual(before);

    // a client that goes away mid-upload leaves nothing behind either
    const url = new URL(`${server.url}/v1/images`);
    const half = httpsRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/x-tar', 'content-length': '4096' } });
    half.on('error', () => undefined);
    half.write(ociArchive({ name: 'corral.local/half:1' }).subarray(0, 1024));
    await new Promise((r) => setTimeout(r, 200));
    half.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(await stored()).toEqual(before);
    // the server is fine afterwards
    expect((await admin.get('/v1/images')).status).toBe(200);
  });

  it('answers any damaged archive with a 4xx in the API error shape, storing nothing (fuzzed)', async () => {
    const base = ociArchive({ name: 'corral.local/fuzz:1', content: 'fuzz layer' });
    const damage = fc.oneof(
      // bytes flipped anywhere (header fields, JSON, blob contents, padding)
      fc.array(fc.record({ at: fc.nat({ max: base.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }).map((flips) => {
        const copy = Buffer.from(base);
        for (const f of flips) copy[f.at] ^= f.xor;
        return copy;
      }),
      // cut short, or with garbage after it
      fc.nat({ max: base.length - 1 }).map((n) => base.subarray(0, n)),
      fc.uint8Array({ minLength: 1, maxLength: 2048 }).map((junk) => Buffer.concat([base.subarray(0, base.length - 1024), Buffer.from(junk)])),
      fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(damage, async (body) => {
        const before = await stored();
        const res = await upload(body);
        const answer = (await res.json()) as any;
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(answer).toMatchObject({ statusCode: res.status, error: expect.any(String), message: expect.any(String) });
          expect(await stored()).toEqual(before);
        } else {
          // a flip in padding, past the end-of-archive blocks or in index.json's text can leave a valid archive
          expect(answer).toMatchObject({ name: expect.stringMatching(/:/), sha256: sha256(body), sizeBytes: body.length });
        }
      }),
      { numRuns: 150, seed: 20260101 },
    );
  });

  it('needs the write scope to upload or delete, read to list; unknown ids are 404', async () => {
    const reader = (await admin.post('/v1/api-keys', { name: 'img-reader', scopes: ['read'] })).body.key;
    const before = await stored();
    expect((await upload(ociArchive({ name: 'corral.local/denied:1' }), {}, reader)).status).toBe(403);
    expect((await fetch(`${server.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'application/x-tar' }, body: ociArchive() })).status).toBe(401);
    expect(await stored()).toEqual(before);
    expect((await apiClient(server.url, reader).get('/v1/images')).status).toBe(200);
    const id = before.images[0].id as string;
    expect((await apiClient(server.url, reader).delete(`/v1/images/${id}`)).status).toBe(403);
    expect((await admin.get('/v1/images/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await admin.get('/v1/images/not-a-uuid')).status).toBe(404);
    expect((await admin.delete('/v1/images/not-a-uuid')).status).toBe(404);
  });

  it('deletes an image (204, an event), but never the pinned sandbox image (409)', async () => {
    const img = (await json(await upload(ociArchive({ name: 'corral.local/gone:1' })))).body;
    expect((await admin.delete(`/v1/images/${img.id}`)).status).toBe(204);
    expect((await admin.get(`/v1/images/${img.id}`)).status).toBe(404);
    expect((await admin.delete(`/v1/images/${img.id}`)).status).toBe(404);
    expect(await server.sql(`SELECT message FROM events WHERE reason = 'ImageDeleted'`)).toEqual([{ message: expect.stringContaining('corral.local/gone:1') }]);

    const pause = (await json(await upload(ociArchive({ name: 'corral.local/pause:3.10' })))).body;
    const refused = await admin.delete(`/v1/images/${pause.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('sandbox');
    expect((await admin.get(`/v1/images/${pause.id}`)).status).toBe(200);
  });

  it('serves an archive to registered hosts only, with its SHA-256', async () => {
    const archive = ociArchive({ name: 'corral.local/dl:1', content: 'download me' });
    const img = (await json(await upload(archive))).body;
    const host = await register('img-dl');
    const url = `${server.url}/v1/agent/images/${img.id}/data`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${host.credential}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    expect(res.headers.get('content-digest')).toBe(`sha-256=:${createHash('sha256').update(archive).digest('base64')}:`);
    expect(res.headers.get('etag')).toBe(`"${img.sha256}"`);
    expect(Buffer.from(await res.arrayBuffer()).equals(archive)).toBe(true);

    expect((await fetch(url, { headers: { authorization: `Bearer ${server.adminKey}` } })).status).toBe(401);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${server.url}/v1/agent/images/00000000-0000-4000-8000-000000000000/data`, { headers: { authorization: `Bearer ${host.credential}` } })).status).toBe(404);
    expect((await fetch(`${server.url}/v1/agent/images/nope/data`, { headers: { authorization: `Bearer ${host.credential}` } })).status).toBe(404);
    expect((await admin.delete(`/v1/hosts/${host.id}`)).status).toBe(204);
    expect((await fetch(url, { headers: { authorization: `Bearer ${host.credential}` } })).status).toBe(401);
  });

  it('serves an archive larger than one stored chunk, and refuses one whose chunks are damaged', async () => {
    const local = await startTestServer(isolatedConfig({ CORRAL_ROLE: 'api' }));
    try {
      const localAdmin = apiClient(local.url, local.adminKey);
      // a 9 MiB layer: three chunks of 4 MiB
      const archive = ociArchive({ name: 'corral.local/big:2', content: 'z'.repeat(9 * 1024 * 1024) });
      const res = await fetch(`${local.url}/v1/images`, { method: 'POST', headers: { authorization: `Bearer ${local.adminKey}`, 'content-type': 'application/x-tar' }, body: archive });
      expect(res.status).toBe(201);
      const img = (await res.json()) as any;
      expect(await local.sql(`SELECT count(*)::int AS n FROM image_chunks WHERE image_id = $1`, [img.id])).toEqual([{ n: 3 }]);
      const token = (await localAdmin.post('/v1/pools/p/registration-tokens', {})).body.token;
      const credential = (await apiClient(local.url).post('/v1/agent/register', { token, hostname: 'big', addresses: ['10.9.0.2'] })).body.credential;
      const url = `${local.url}/v1/agent/images/${img.id}/data`;
      const body = Buffer.from(await (await fetch(url, { headers: { authorization: `Bearer ${credential}` } })).arrayBuffer());
      expect(sha256(body)).toBe(img.sha256);

      // a chunk gone: refused before the first byte; a chunk altered: the transfer is cut short
      await local.sql(`UPDATE image_chunks SET data = $2 WHERE image_id = $1 AND seq = 1`, [img.id, Buffer.alloc(4 * 1024 * 1024, 'q')]);
      const cut = await fetch(url, { headers: { authorization: `Bearer ${credential}` } }).then((r) => r.arrayBuffer()).then(
        (b) => ({ ok: true, bytes: b.byteLength }),
        (err: Error) => ({ ok: false, error: err.message }),
      );
      expect(cut.ok).toBe(false);
      await local.sql(`DELETE FROM image_chunks WHERE image_id = $1 AND seq = 2`, [img.id]);
      const refused = await fetch(url, { headers: { authorization: `Bearer ${credential}` } });
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as any).message).toContain('corrupt');
    } finally {
      await local.close();
    }
  });

  it("puts every image into the desired state of hosts with containerd, waking their polls; others get none; nothing's spec changes", async () => {
    const withCtd = await register('img-ctd');
    const without = await register('img-plain');
    expect((await admin.put(`/v1/hosts/${withCtd.id}/components`, { components: [containerdSpec()] })).status).toBe(200);
    expect((await admin.put(`/v1/hosts/${without.id}/components`, { components: [containerdSpec({ name: 'other', kind: 'kubelet', binary: 'kubelet' })] })).status).toBe(200);
    const catalog = (await admin.get('/v1/images')).body.items.map((i: Record<string, unknown>) => ({ id: i.id, name: i.name, sha256: i.sha256, sizeBytes: i.sizeBytes, manifestDigest: i.manifestDigest }));
    const d1 = (await withCtd.agent.get('/v1/agent/desired')).body;
    expect(d1.images).toEqual(catalog);
    expect((await without.agent.get('/v1/agent/desired')).body.images).toEqual([]);

    // a long poll at the current revision answers when an image is added
    const started = Date.now();
    const poll = withCtd.agent.get(`/v1/agent/desired?after=${d1.revision}&wait=20`);
    const plainPoll = without.agent.get(`/v1/agent/desired?after=${(await without.agent.get('/v1/agent/desired')).body.revision}&wait=2`);
    await new Promise((r) => setTimeout(r, 300));
    const added = (await json(await upload(ociArchive({ name: 'corral.local/new:1', content: 'new' })))).body;
    const d2 = (await poll).body;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(d2.revision).toBe(d1.revision + 1);
    expect(d2.images.map((i: { id: string }) => i.id)).toContain(added.id);
    expect(d2.components).toEqual(d1.components); // same specs: nothing restarts
    const plain = (await plainPoll).body;
    expect(plain.images).toEqual([]);

    // deleting wakes it again
    const poll2 = withCtd.agent.get(`/v1/agent/desired?after=${d2.revision}&wait=20`);
    await new Promise((r) => setTimeout(r, 300));
    expect((await admin.delete(`/v1/images/${added.id}`)).status).toBe(204);
    const d3 = (await poll2).body;
    expect(d3.revision).toBe(d2.revision + 1);
    expect(d3.images.map((i: { id: string }) => i.id)).not.toContain(added.id);
    // an identical re-upload changes nothing
    const same = await upload(ociArchive({ name: 'corral.local/app:1.0', content: 'app v1' }));
    expect(same.status).toBe(200);
    expect((await withCtd.agent.get('/v1/agent/desired')).body.revision).toBe(d3.revision);
  });

  it("keeps what a host's agent reports about its images, shows it on the host, and records imports and failures as events", async () => {
    const host = await register('img-report');
    const image = (await admin.get('/v1/images')).body.items[0];
    const report = (images: unknown[]) => host.agent.put('/v1/agent/status', { agentVersion: '0.1.0', observedRevision: 1, components: [], images });
    const entry = { id: image.id, name: image.name, sha256: image.sha256 };

    expect((await report([{ ...entry, imported: false, message: 'waiting for containerd to be healthy', failures: 0 }])).status).toBe(204);
    expect((await admin.get(`/v1/hosts/${host.id}`)).body.images).toEqual([{ ...entry, imported: false, message: 'waiting for containerd to be healthy', failures: 0, importedAt: null }]);
    expect((await report([{ ...entry, imported: false, message: 'import failed: ctr exited 1', failures: 1 }])).status).toBe(204);
    expect((await report([{ ...entry, imported: false, message: 'import failed: ctr exited 1 (again)', failures: 2 }])).status).toBe(204);
    const importedAt = new Date().toISOString();
    expect((await report([{ ...entry, imported: true, message: null, failures: 0, importedAt }])).status).toBe(204);
    expect((await report([{ ...entry, imported: true, message: null, failures: 0, importedAt }])).status).toBe(204);
    expect((await admin.get(`/v1/hosts/${host.id}`)).body.images).toEqual([{ ...entry, imported: true, message: null, failures: 0, importedAt }]);
    const events = await server.sql<{ reason: string; message: string }>(`SELECT reason, message FROM events WHERE host_id = $1 AND reason LIKE 'Image%' ORDER BY id`, [host.id]);
    expect(events).toEqual([
      { reason: 'ImageImportFailed', message: expect.stringContaining('import failed: ctr exited 1') },
      { reason: 'ImageImported', message: expect.stringContaining(`image ${image.name}`) },
    ]);

    // a report without images (an older agent) leaves them; bad entries are 400 naming the field
    expect((await host.agent.put('/v1/agent/status', { agentVersion: '0.1.0', observedRevision: 1, components: [] })).status).toBe(204);
    expect((await admin.get(`/v1/hosts/${host.id}`)).body.images).toHaveLength(1);
    const bad = await report([{ ...entry, sha256: 'nope', imported: 'yes' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['images.0.imported', 'images.0.sha256']);
    expect((await report([{ ...entry, imported: true, importedAt: 'yesterday' }])).body.details).toEqual([{ field: 'images.0.importedAt', message: expect.any(String) }]);
  });
});

describe('bundled images (CORRAL_IMAGE_DIR)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'corral-bundled-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const writeBundle = (images: Array<{ name: string; content: string }>, tamper?: (records: any[]) => void) => {
    const records = images.map(({ name, content }) => {
      const archive = ociArchive({ name, content });
      const file = `${name.slice(name.lastIndexOf('/') + 1).replace(':', '_')}.tar`;
      writeFileSync(join(dir, file), archive);
      return { name, file, sha256: sha256(archive), size: archive.length, manifestDigest: 'sha256:unused' };
    });
    tamper?.(records);
    writeFileSync(join(dir, 'images.json'), JSON.stringify({ schemaVersion: 1, images: records }, null, 2));
    return records;
  };

  it('imports them at start as bundled, idempotently across restarts; a new build replaces them', async () => {
    const records = writeBundle([
      { name: 'corral.local/pause:3.10', content: 'pause' },
      { name: 'corral.local/busybox:1.35.0', content: 'busybox' },
    ]);
    const config = isolatedConfig({ CORRAL_ROLE: 'api', CORRAL_IMAGE_DIR: dir });
    let server = await startTestServer(config);
    try {
      const first = (await apiClient(server.url, server.adminKey).get('/v1/images')).body.items;
      expect(first.map((i: any) => [i.name, i.sha256, i.source])).toEqual([
        ['corral.local/busybox:1.35.0', records[1].sha256, 'bundled'],
        ['corral.local/pause:3.10', records[0].sha256, 'bundled'],
      ]);
      expect((await apiClient(server.url, server.adminKey).delete(`/v1/images/${first[1].id}`)).status).toBe(409);
      await server.close({ keepIsolation: true });

      server = await startTestServer(config);
      expect((await apiClient(server.url, server.adminKey).get('/v1/images')).body.items).toEqual(first);
      await server.close({ keepIsolation: true });

      const rebuilt = writeBundle([
        { name: 'corral.local/pause:3.10', content: 'pause' },
        { name: 'corral.local/busybox:1.35.0', content: 'busybox, rebuilt' },
      ]);
      server = await startTestServer(config);
      const after = (await apiClient(server.url, server.adminKey).get('/v1/images')).body.items;
      expect(after[1]).toEqual(first[1]);
      expect(after[0]).toMatchObject({ name: 'corral.local/busybox:1.35.0', sha256: rebuilt[1].sha256, source: 'bundled' });
      expect(after[0].id).not.toBe(first[0].id);
    } finally {
      await server.close();
    }
  });

  it.each<[string, (records: any[]) => void, RegExp]>([
    ['a checksum that does not match', (r) => (r[0].sha256 = '0'.repeat(64)), /has SHA-256 [0-9a-f]{64}, images.json says 0{64}/],
    ['a missing archive', (r) => (r[0].file = 'nope.tar'), /nope.tar \(images\[0\]\) is missing/],
    ['a name that does not match', (r) => (r[0].name = 'corral.local/other:1'), /names image corral.local\/pause:3.10, images.json says corral.local\/other:1/],
  ])('refuses to start with %s, naming CORRAL_IMAGE_DIR', async (_what, tamper, message) => {
    writeBundle([{ name: 'corral.local/pause:3.10', content: `pause ${Math.random()}` }], tamper);
    const config = isolatedConfig({ CORRAL_ROLE: 'api', CORRAL_IMAGE_DIR: dir });
    const app = await createServer(config);
    try {
      const started = app.init().then(
        () => 'started',
        (err: Error) => err.message,
      );
      const outcome = await started;
      expect(outcome).toMatch(message);
      expect(outcome).toContain(`CORRAL_IMAGE_DIR ${dir}`);
    } finally {
      await app.close().catch(() => undefined);
      await dropIsolation(config);
    }
  });
});
