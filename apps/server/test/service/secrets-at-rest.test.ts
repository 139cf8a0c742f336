import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { ComponentSpec } from '@corral/contracts';
import { apiClient } from '@corral/testing';
import { DATABASE_URL, TestServer, isolatedConfig, startTestServer } from '../support/test-server';
import { DesiredStateService } from '../../src/components/desired-state.service';
import { EnvironmentPkiService } from '../../src/provisioning/environment-pki.service';
import { EnvironmentsService } from '../../src/environments/environments.service';
import { SecretBox, ringKey } from '../../src/crypto/secret-box';
import { componentSpecsStep, environmentSecretsStep, rewrapAll, snapshotsStep } from '../../src/rewrap/rewrap-secrets';
import { SnapshotStore } from '../../src/snapshots/snapshot-store.service';
import { createObjectStore } from '../../src/snapshots/create-object-store';

const KEY_PEM = `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`;
const spec = (name: string): ComponentSpec =>
  ({
    name,
    kind: 'etcd',
    binary: 'etcd',
    args: [`--name=${name}`],
    files: [
      { path: 'server.key', content: KEY_PEM, mode: 0o600 },
      { path: 'ca.crt', content: 'public certificate', mode: 0o644 },
    ],
    ports: [2379],
  }) as ComponentSpec;

/**
 * Secrets at rest against the real PostgreSQL: component specs keep their keys sealed, only the
 * host's own desired state opens them, rewriting stored specs changes nothing (no rollout), and
 * a rewrap moves every sealed value to a new key while the spec hashes stay the same.
 */
describe('secrets at rest', () => {
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');
  let server: TestServer;
  let envId: string;
  let host: { hostId: string; credential: string };

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_ROLE: 'api', CORRAL_SECRET_KEY: oldKey }));
    const admin = apiClient(server.url, server.adminKey);
    envId = (await admin.post('/v1/environments', { name: 'sealed' })).body.id;
    const token = (await admin.post('/v1/environments/sealed/registration-tokens', {})).body.token;
    host = (await apiClient(server.url).post('/v1/agent/register', { token, hostname: 'sealed-1', addresses: ['10.9.0.7'] })).body;
  });
  afterAll(() => server?.close());

  it('stores no private key of a spec in plain text, serves it opened to its host only, and re-writing it changes nothing', async () => {
    const desired = server.app.get(DesiredStateService);
    expect(await desired.setHostComponents(host.hostId, envId, [spec('etcd')])).toEqual({ added: ['etcd'], changed: [], removed: [] });
    const [row] = await server.sql<{ spec: string; spec_hash: string }>(`SELECT spec::text AS spec, spec_hash FROM components WHERE host_id = $1`, [host.hostId]);
    expect(row.spec).not.toContain('PRIVATE KEY');
    expect(row.spec).toContain('public certificate');

    const served = await apiClient(server.url, host.credential).get('/v1/agent/desired?after=0');
    expect(served.body.components[0].spec.files).toEqual(spec('etcd').files);
    expect(served.body.components[0].specHash).toBe(row.spec_hash);

    // the reconciler passes stored (sealed) specs back as they are: no change, no new revision
    const stored = (await desired.listForHost(host.hostId)).map((c) => c.spec);
    expect(await desired.setHostComponents(host.hostId, envId, stored)).toEqual({ added: [], changed: [], removed: [] });
    expect(await desired.setHostComponents(host.hostId, envId, [spec('etcd')])).toEqual({ added: [], changed: [], removed: [] });
  });

  it('re-seals every secret and snapshot under the newest key without changing a spec hash, moving old in-table snapshots into the store (npm run rewrap)', async () => {
    const env = await server.app.get(EnvironmentsService).get('sealed');
    await server.app.get(EnvironmentPkiService).reconcile(env, [], []);
    // a spec row written in plain text before specs were sealed
    await server.sql(`UPDATE components SET spec = $2 WHERE host_id = $1`, [host.hostId, JSON.stringify(spec('etcd'))]);
    const hashesBefore = await server.sql(`SELECT id, spec_hash FROM components ORDER BY id`);
    // a snapshot sealed under the old key, and one an earlier version kept in the table, unsealed
    const store = server.app.get(SnapshotStore);
    const sealedDb = randomBytes(300_000);
    const sealedSnap = await store.complete((await store.createPending(envId, 'manual')).id, { data: sealedDb, etcdRevision: 5, etcdMember: 'https://10.9.0.7:2379' });
    const [{ storage_key: oldObject }] = await server.sql<{ storage_key: string }>(`SELECT storage_key FROM etcd_snapshots WHERE id = $1`, [sealedSnap.id]);
    const legacyDb = randomBytes(5000);
    const [legacy] = await server.sql<{ id: string }>(
      `INSERT INTO etcd_snapshots (environment_id, trigger, state, size_bytes, sha256, etcd_revision, data, completed_at) VALUES ($1, 'manual', 'completed', $2, $3, 7, $4, now()) RETURNING id`,
      [envId, legacyDb.length, createHash('sha256').update(legacyDb).digest('hex'), legacyDb],
    );
    const objects = createObjectStore(server.config.snapshotStore);
    const [envBefore] = await server.sql<{ secrets_encrypted: string }>(`SELECT secrets_encrypted FROM environments WHERE id = $1`, [envId]);
    expect(SecretBox.keyIdOf(envBefore.secrets_encrypted)).toBe(ringKey(oldKey).id);

    const box = new SecretBox([newKey, oldKey]);
    const db = new Client({ connectionString: DATABASE_URL, options: `-c search_path=${server.config.databaseSchema}` });
    await db.connect();
    const progress: string[] = [];
    try {
      const steps = [environmentSecretsStep(box), componentSpecsStep(box), snapshotsStep(box, objects)];
      expect(await rewrapAll(db, steps, (p) => progress.push(`${p.what} ${p.done}/${p.total}`))).toEqual({ 'environment secrets': 1, 'component specs': 1, 'etcd snapshots': 2 });
      expect(progress).toEqual(['environment secrets 0/1', 'environment secrets 1/1', 'component specs 0/1', 'component specs 1/1', 'etcd snapshots 0/2', 'etcd snapshots 1/2', 'etcd snapshots 2/2']);
      // a second run finds nothing left to do
      expect(await rewrapAll(db, steps, () => undefined)).toEqual({ 'environment secrets': 0, 'component specs': 0, 'etcd snapshots': 0 });
    } finally {
      await db.end();
    }

    const [envAfter] = await server.sql<{ secrets_encrypted: string }>(`SELECT secrets_encrypted FROM environments WHERE id = $1`, [envId]);
    expect(SecretBox.keyIdOf(envAfter.secrets_encrypted)).toBe(ringKey(newKey).id);
    const [component] = await server.sql<{ spec: ComponentSpec }>(`SELECT spec FROM components WHERE host_id = $1`, [host.hostId]);
    expect(JSON.stringify(component.spec)).not.toContain('PRIVATE KEY');
    expect(component.spec.files.filter((f) => f.mode === 0o600).map((f) => SecretBox.keyIdOf(f.content))).toEqual([ringKey(newKey).id]);
    expect(await server.sql(`SELECT id, spec_hash FROM components ORDER BY id`)).toEqual(hashesBefore);

    // a server holding only the new key serves the host its keys and the environment's PKI
    await server.close({ keepIsolation: true });
    server = await startTestServer({ ...server.config, secretKeys: [newKey] });
    const served = await apiClient(server.url, host.credential).get('/v1/agent/desired?after=0');
    expect(served.body.components[0].spec.files).toEqual(spec('etcd').files);
    expect((await server.app.get(EnvironmentPkiService).load(envId))?.cas.clusterCa.keyPem).toContain('PRIVATE KEY');
    // both snapshots: sealed under the new key in the store, none in the table, the old object gone
    const snaps = await server.sql<{ id: string; data: Buffer | null; sealed_key_id: string; storage_key: string }>(`SELECT id, data, sealed_key_id, storage_key FROM etcd_snapshots ORDER BY created_at`);
    expect(snaps.map((r) => [r.data, r.sealed_key_id])).toEqual([[null, ringKey(newKey).id], [null, ringKey(newKey).id]]);
    expect(await objects.list(`${envId}/`)).toEqual(snaps.map((r) => r.storage_key).sort());
    expect(snaps.map((r) => r.storage_key)).not.toContain(oldObject);
    for (const [id, bytes] of [[sealedSnap.id, sealedDb], [legacy.id, legacyDb]] as const) {
      const res = await fetch(`${server.url}/v1/environments/sealed/snapshots/${id}/data`, { headers: { authorization: `Bearer ${server.adminKey}` } });
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });
});
