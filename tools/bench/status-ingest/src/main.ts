// Bench: how many agent status reports (the heartbeat: a full snapshot of 7 components) one
// server process takes per second, and how many hosts that carries at the agent's default 5 s
// heartbeat. Beside it the limit measured in the same run: the database work a report needs at
// least (one multi-row upsert of its components and the host's heartbeat, in one transaction),
// sent straight to PostgreSQL over as many connections as the server's pool has, with no HTTP,
// framework or ORM.
// Usage: node dist/tools/bench/status-ingest/src/main.js [--hosts 200] [--seconds 10] [--concurrency 32] [--pool 20]
import http from 'node:http';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { ObservedComponent, StatusReport } from '@corral/contracts';
import { COMPONENT_KINDS } from '@corral/contracts';
import { median, percentile } from '@corral/bench';
import { startServerProcess } from '@corral/testing';

const HEARTBEAT_S = 5;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function report(): StatusReport {
  const since = new Date(Date.now() - 60_000).toISOString();
  const components: ObservedComponent[] = COMPONENT_KINDS.map((kind, i) => ({
    name: kind,
    specHash: `sha256:${'a'.repeat(64)}`,
    phase: 'running',
    healthy: true,
    restarts: 0,
    pid: 1000 + i,
    exitCode: null,
    message: `GET https://10.0.0.1:6443/healthz: 200`,
    since,
    crashLoop: false,
    lastLogLines: [],
  }));
  return { agentVersion: '0.1.0', observedRevision: 1, components };
}

/** Runs `workers` loops for `seconds`, each doing `once(i)`; answers per-call latencies (ms). */
async function drive(workers: number, seconds: number, once: (i: number) => Promise<void>): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await once(next++);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - start };
}

async function main(): Promise<void> {
  const hosts = flag('--hosts', 200);
  const seconds = flag('--seconds', 10);
  const concurrency = flag('--concurrency', 32);
  const poolSize = flag('--pool', 20);
  process.stdout.write(`status-ingest: ${hosts} hosts, ${concurrency} concurrent reports for ${seconds} s, ${poolSize} database connections, on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}\n`);
  const server = await startServerProcess({ CORRAL_DB_POOL_SIZE: String(poolSize) });
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const raw = new Pool({ connectionString: databaseUrl, max: poolSize });
  const scratch = `bench_raw_${randomBytes(4).toString('hex')}`;
  try {
    const token = (await server.request('POST', '/v1/pools/bench/registration-tokens', { maxUses: hosts })).body.token as string;
    const credentials: string[] = [];
    for (let i = 0; i < hosts; i++) {
      const res = await fetch(`${server.url}/v1/agent/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, hostname: `bench-${i}`, addresses: [`10.${Math.floor(i / 250)}.${i % 250}.2`] }),
      });
      if (res.status !== 201) throw new Error(`register bench-${i}: ${res.status} ${await res.text()}`);
      credentials.push(((await res.json()) as { credential: string }).credential);
    }
    const body = JSON.stringify(report());
    // node:http with keep-alive: fetch costs the client enough CPU to be the bottleneck on 2 cores
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const target = new URL(`${server.url}/v1/agent/status`);
    const put = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(
          { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'PUT', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${credentials[i % hosts]}` } },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error(`status: ${res.statusCode} ${text}`))));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    await drive(concurrency, 2, put); // warm-up: first reports create the rows
    const corral = await drive(concurrency, seconds, put);

    // the limit: the same rows, written the least way PostgreSQL allows
    const schema = server.deployment.CORRAL_DB_SCHEMA;
    await raw.query(`CREATE SCHEMA ${scratch}`);
    await raw.query(`CREATE TABLE ${scratch}.component_statuses (LIKE "${schema}".component_statuses INCLUDING ALL)`);
    await raw.query(`CREATE TABLE ${scratch}.hosts AS SELECT id, last_heartbeat_at, agent_version, observed_revision FROM "${schema}".hosts`);
    await raw.query(`ALTER TABLE ${scratch}.hosts ADD PRIMARY KEY (id)`);
    const hostIds = (await raw.query<{ id: string }>(`SELECT id FROM ${scratch}.hosts ORDER BY id`)).rows.map((r) => r.id);
    const components = report().components;
    const columns = ['host_id', 'name', 'spec_hash', 'phase', 'healthy', 'restarts', 'pid', 'exit_code', 'message', 'crash_loop', 'last_log_lines', 'since', 'reported_at'];
    const values = components.map((_, c) => `(${columns.map((_, k) => `$${c * columns.length + k + 1}`).join(', ')})`).join(', ');
    const upsert = `INSERT INTO ${scratch}.component_statuses (${columns.join(', ')}) VALUES ${values}
      ON CONFLICT (host_id, name) DO UPDATE SET ${columns.slice(2).map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;
    const writeDirect = async (i: number) => {
      const hostId = hostIds[i % hostIds.length];
      const now = new Date();
      const params = components.flatMap((c) => [hostId, c.name, c.specHash, c.phase, c.healthy, c.restarts, c.pid, c.exitCode, c.message, c.crashLoop, JSON.stringify(c.lastLogLines), c.since, now]);
      const client = await raw.connect();
      try {
        await client.query('BEGIN');
        await client.query(upsert, params);
        await client.query(`UPDATE ${scratch}.hosts SET last_heartbeat_at = $2, agent_version = $3, observed_revision = $4 WHERE id = $1`, [hostId, now, '0.1.0', 1]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    await drive(concurrency, 2, writeDirect);
    const limit = await drive(concurrency, seconds, writeDirect);

    const rate = (d: { latencies: number[]; elapsedMs: number }) => d.latencies.length / (d.elapsedMs / 1000);
    const row = (what: string, d: { latencies: number[]; elapsedMs: number }) =>
      `| ${what} | ${rate(d).toFixed(0)} | ${median(d.latencies).toFixed(1)} ms | ${percentile(d.latencies, 99).toFixed(1)} ms | ${Math.floor(rate(d) * HEARTBEAT_S)} |`;
    process.stdout.write(
      `\n| path | status reports / s | latency median | p99 | hosts at one report per ${HEARTBEAT_S} s |\n|---|---|---|---|---|\n` +
        `${row('PUT /v1/agent/status (server process)', corral)}\n${row('limit: the same rows straight into PostgreSQL', limit)}\n` +
        `\nratio (limit / server): ${(rate(limit) / rate(corral)).toFixed(2)}x\n`,
    );
    agent.destroy();
  } finally {
    await raw.query(`DROP SCHEMA IF EXISTS ${scratch} CASCADE`).catch(() => undefined);
    await raw.end();
    await server.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
