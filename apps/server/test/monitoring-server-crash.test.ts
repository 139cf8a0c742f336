import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { ServerProcess, freePort, startServerProcess, apiClient } from '@corral/testing';
import { HostHarness, agentArgv } from '@corral/test-hosts';
import { SecretBox, environmentContext } from '../src/crypto/secret-box';
import { EtcdClient } from '@corral/kube';
import type { EnvironmentSecrets } from '../src/provisioning/environment-secrets';
import { DATABASE_URL, eventually } from './support/test-server';
import { STAND_IN_BIN } from './support/local-agents';
import { runningComponents, totals, waitForState } from './support/monitoring-cluster';

jest.setTimeout(600_000);

const ENV = 'recover';
const sorted = (counts: Record<string, number>) => JSON.stringify(Object.entries(counts).sort());

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => socket.destroy());
    socket.once('data', (d) => {
      resolve(String(d).startsWith('+PONG'));
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** A Redis of this test's own (never the machine's shared one), persisted to an append-only file so a restart keeps the queue. */
class OwnRedis {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'corral-redis-'));
  constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no'], { stdio: 'ignore' });
    await eventually(() => ping(this.port), { timeoutMs: 10_000, intervalMs: 50, what: 'redis up' });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM'); // redis flushes its append-only file on a clean shutdown
    await new Promise((r) => child.once('exit', r));
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Recovery survives its own infrastructure failing: a host is lost, and while its etcd member
 * is being replaced the server is SIGKILLed and Redis restarted (twice: once while the server
 * is down, once while the new server works). Recovery completes, with no duplicate component.
 */
describe('lost-host recovery through a server SIGKILL and Redis restarts', () => {
  let harness: HostHarness;
  let redis: OwnRedis;
  let server: ServerProcess;
  let db: Client;

  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    harness = await HostHarness.create({ count: 4 });
    server = await startServerProcess({
      REDIS_URL: redis.url,
      CORRAL_BIND_ADDRESS: '0.0.0.0',
      CORRAL_HOST_DISCONNECTED_AFTER: '3s',
      CORRAL_HOST_LOST_AFTER: '5s',
      CORRAL_SWEEP_INTERVAL: '250ms',
    });
    db = new Client({ connectionString: DATABASE_URL, options: `-c search_path=${server.deployment.CORRAL_DB_SCHEMA}` });
    await db.connect();
  });

  afterAll(async () => {
    await harness?.destroy().catch(() => undefined);
    await db?.end();
    await server?.stop();
    await redis?.destroy();
  });

  const sql = async <T = any>(text: string, params: unknown[] = []) => (await db.query(text, params)).rows as T[];
  const reasons = async (envId: string) => (await sql<{ reason: string }>('SELECT reason FROM events WHERE environment_id = $1 ORDER BY id', [envId])).map((e) => e.reason);

  it('completes the replacement of a lost etcd host with no duplicate component', async () => {
    const admin = apiClient(server.url, server.adminKey);
    const envId = (await admin.post('/v1/environments', { name: ENV, etcd: { members: 3 } })).body.id as string;
    const token = (await admin.post(`/v1/environments/${ENV}/registration-tokens`, { maxUses: 4 })).body.token;
    const serverUrl = server.urlFor(harness.serverAddress);
    for (const host of harness.hosts) harness.startProcess(host, agentArgv(host, { server: serverUrl, token, binDir: STAND_IN_BIN, extraArgs: ['--heartbeat-interval', '500ms'] }), { name: 'agent' });
    await waitForState(admin, ENV, 'active', 180_000);

    const placed = await sql<{ hostname: string }>(`SELECT h.hostname FROM components c JOIN hosts h ON h.id = c.host_id WHERE c.environment_id = $1 AND c.kind = 'etcd' ORDER BY h.hostname`, [envId]);
    const victim = harness.hosts.findIndex((h) => h.namespace === placed[0].hostname);
    await harness.cutLink(victim);

    // in the middle of the recovery: the lost member was just removed, its replacement not yet added
    await eventually(async () => (await reasons(envId)).includes('EtcdMemberRemoved'), { timeoutMs: 60_000, intervalMs: 20, what: 'member removed' });
    await server.kill('SIGKILL');
    const addedBeforeKill = (await reasons(envId)).includes('EtcdMemberAdded');
    await redis.stop();
    await redis.start();
    await server.restart();
    // and Redis goes away once more under the running server
    await new Promise((r) => setTimeout(r, 1500));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();

    await eventually(async () => (await reasons(envId)).includes('EtcdMemberAdded'), { timeoutMs: 120_000, intervalMs: 500, what: 'member replaced' });
    await waitForState(admin, ENV, 'active', 120_000);
    const all = await reasons(envId);
    console.log(`server SIGKILLed after the member removal, ${addedBeforeKill ? 'after' : 'before'} the addition; recovered`);
    expect(all.filter((r) => r === 'EtcdMemberRemoved')).toHaveLength(1);
    expect(all.filter((r) => r === 'EtcdMemberAdded')).toHaveLength(1);
    expect(await sql(`SELECT host_id, name FROM components GROUP BY host_id, name HAVING count(*) > 1`)).toEqual([]);

    // etcd itself: three members, none on the lost host, none added twice
    const [row] = await sql<{ secrets_encrypted: string }>('SELECT secrets_encrypted FROM environments WHERE id = $1', [envId]);
    const secrets = JSON.parse(new SecretBox(server.deployment.CORRAL_SECRET_KEY).open(row.secrets_encrypted, environmentContext(envId))) as EnvironmentSecrets;
    const survivor = harness.hosts.find((_, i) => i !== victim)!;
    const members = await new EtcdClient([`https://${survivor.address}:2379`], { caPem: secrets.cas.etcdCa.certPem, certPem: secrets.etcdClient!.certPem, keyPem: secrets.etcdClient!.keyPem }).memberList();
    expect(members).toHaveLength(3);
    expect(members.every((m) => m.name !== '')).toBe(true);
    expect(members.map((m) => m.peerUrls[0])).not.toContain(`https://${harness.hosts[victim].address}:2380`);

    // no duplicates on the reachable hosts (the cut host still runs its old processes, unreachable)
    const reachable = (await runningComponents(harness)).filter((_, i) => i !== victim);
    expect(sorted(totals(reachable))).toBe(sorted({ etcd: 3, 'kube-apiserver': 3, 'kube-scheduler': 3, 'kube-controller-manager': 3, 'ingress-controller': 1, kubelet: 3, 'kube-proxy': 3 }));
    for (const counts of reachable) for (const n of Object.values(counts)) expect(n).toBe(1);

    await harness.restoreLink(victim);
    await eventually(async () => sorted(totals(await runningComponents(harness))) === sorted({ etcd: 3, 'kube-apiserver': 3, 'kube-scheduler': 3, 'kube-controller-manager': 3, 'ingress-controller': 1, kubelet: 4, 'kube-proxy': 4 }), {
      timeoutMs: 60_000,
      what: 'the old host back without duplicates',
    });
    await waitForState(admin, ENV, 'active', 60_000);
  });
});
