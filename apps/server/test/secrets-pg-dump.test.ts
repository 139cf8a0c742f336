import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';
import { dumpEncodings as forms, pgDumpSchema } from './support/pg-dump';
import { startLocalAgents } from './support/local-agents';
import { kubectl, waitForState } from './support/monitoring-cluster';

jest.setTimeout(300_000);

/**
 * Secrets at rest, end to end: provision an environment (a loopback host: real etcd, the
 * stand-in control plane), write a Secret through kubectl, snapshot etcd, then grep a pg_dump
 * of Corral's schema for any private key and for the Secret's value, in every encoding.
 */
describe('a pg_dump of a provisioned environment holds no secret', () => {
  let server: TestServer;
  let agents: ReturnType<typeof startLocalAgents>;
  const dir = mkdtempSync(join(tmpdir(), 'corral-pgdump-'));

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_ETCD_SNAPSHOT_INTERVAL: '24h' }));
    const admin = apiClient(server.url, server.adminKey);
    await admin.post('/v1/environments', { name: 'dump', etcd: { members: 1 } });
    const token = (await admin.post('/v1/environments/dump/registration-tokens', {})).body.token;
    agents = startLocalAgents(1, { server: server.url, token, extraArgs: ['--heartbeat-interval', '1s'] });
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has neither PRIVATE KEY nor a Secret value written through kubectl, in any form', async () => {
    const admin = apiClient(server.url, server.adminKey);
    await waitForState(admin, 'dump', 'active', 120_000);
    const secretValue = `corral-dump-${randomBytes(12).toString('hex')}`;
    await kubectl(admin, 'dump', dir, 'create', 'secret', 'generic', 'db-password', `--from-literal=password=${secretValue}`);
    expect(await kubectl(admin, 'dump', dir, 'get', 'secret', 'db-password', '-o', 'jsonpath={.data.password}')).toBe(Buffer.from(secretValue).toString('base64'));

    const id = (await admin.post('/v1/environments/dump/snapshots')).body.id;
    const snapshot = await eventually(async () => {
      const s = (await admin.get(`/v1/environments/dump/snapshots/${id}`)).body;
      return s.state === 'completed' ? s : s.state === 'failed' ? Promise.reject(new Error(s.message)) : null;
    }, { timeoutMs: 60_000, what: 'snapshot completed' });
    // the snapshot holds the Secret (the download opens it), so its absence below means sealed, not missing
    const download = Buffer.from(await (await fetch(`${server.url}/v1/environments/dump/snapshots/${snapshot.id}/data`, { headers: { authorization: `Bearer ${server.adminKey}` } })).arrayBuffer());
    expect(forms(secretValue).some((f) => download.includes(f))).toBe(true);
    // and the components do hold private keys, sealed
    expect(Number((await server.sql<{ n: string }>(`SELECT count(*) AS n FROM components WHERE spec::text LIKE '%"sealed": true%'`))[0].n)).toBeGreaterThan(3);

    const dump = await pgDumpSchema(server.config.databaseSchema);
    expect(dump).toContain('COPY ');
    expect(dump.length).toBeGreaterThan(10_000);
    for (const needle of [...forms('PRIVATE KEY'), ...forms(secretValue)]) expect(dump.includes(needle)).toBe(false);

    // nor does the snapshot store
    const storeDir = (server.config.snapshotStore as { dir: string }).dir;
    const objects = readdirSync(storeDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(objects.length).toBe(1);
    for (const object of objects) {
      const bytes = readFileSync(join(object.parentPath, object.name));
      for (const needle of forms(secretValue)) expect(bytes.includes(needle)).toBe(false);
    }
  });
});
