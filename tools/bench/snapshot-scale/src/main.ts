// Bench: an etcd snapshot of >= 1 GB taken through the server, downloaded, and restored, while
// the server's resident memory is sampled. The physical reference is the data itself: a server
// holding a snapshot whole needs at least its size in memory; a streaming one stays near flat.
// Usage: node dist/tools/bench/snapshot-scale/src/main.js [--gib 1.0] [--store filesystem|s3]
// (--store s3: the snapshot store is a versitygw S3 server on the loopback, built by tools/s3-test-server)
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startLoopbackAgents } from '@corral/test-hosts';
import { EtcdClient } from '@corral/kube';
import { type S3TestServer, eventually, startS3TestServer, startServerProcess } from '@corral/testing';

const MiB = 1 << 20;
const VALUE_BYTES = 768 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

/** Samples a process's resident set size (VmRSS) every 100 ms; peak() is the highest seen. */
function rssSampler(pid: number) {
  const read = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  let peak = read();
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, read());
    } catch {
      // the process is gone; the bench fails elsewhere
    }
  }, 100);
  return { now: read, peak: () => peak, reset: () => (peak = read()), stop: () => clearInterval(timer) };
}

/** The first file with this name under dir (the agents' state dirs hold each component's files). */
function findFile(dir: string, name: string): string {
  const hit = readdirSync(dir, { recursive: true, withFileTypes: true }).find((e) => e.isFile() && e.name === name);
  if (!hit) throw new Error(`no ${name} under ${dir}`);
  return join(hit.parentPath, hit.name);
}

async function main(): Promise<void> {
  const gibArg = process.argv.indexOf('--gib');
  const target = Math.round((gibArg > 0 ? Number(process.argv[gibArg + 1]) : 1.0) * 1024 * MiB);
  const storeArg = process.argv.indexOf('--store');
  const store = storeArg > 0 ? process.argv[storeArg + 1] : 'filesystem';
  if (store !== 'filesystem' && store !== 's3') throw new Error(`--store must be filesystem or s3, got ${store}`);
  process.stdout.write(`snapshot-scale: ${mib(target)} of etcd values, ${store} snapshot store, on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`);
  const s3: S3TestServer | null = store === 's3' ? await startS3TestServer() : null;
  const storeEnv: Record<string, string> = s3
    ? { CORRAL_SNAPSHOT_S3_ENDPOINT: s3.endpoint, CORRAL_SNAPSHOT_S3_BUCKET: s3.bucket, CORRAL_SNAPSHOT_S3_ACCESS_KEY: s3.accessKeyId, CORRAL_SNAPSHOT_S3_SECRET_KEY: s3.secretAccessKey, CORRAL_SNAPSHOT_S3_PREFIX: 'bench/' }
    : {};
  const server = await startServerProcess({ CORRAL_ETCD_SNAPSHOT_INTERVAL: '24h', CORRAL_RESTORE_TIMEOUT: '60m', ...storeEnv }).catch(async (err) => {
    await s3?.stop();
    throw err;
  });
  let agents: ReturnType<typeof startLoopbackAgents> | null = null;
  const rss = rssSampler(server.process.pid!);
  try {
    await server.request('POST', '/v1/environments', { name: 'scale', etcd: { members: 1 } });
    const token = (await server.request('POST', '/v1/environments/scale/registration-tokens', {})).body.token;
    agents = startLoopbackAgents(1, { server: server.url, token, extraArgs: ['--heartbeat-interval', '1s'] });
    await eventually(async () => (await server.request('GET', '/v1/environments/scale')).body.state === 'active', { timeoutMs: 180_000, what: 'environment active', intervalMs: 500 });

    const agent = agents.agents[0];
    // etcd's v3 gateway over mutual TLS (the kube-apiserver's etcd client certificate, as the host has it)
    const pem = (name: string) => readFileSync(findFile(agent.stateDir, name), 'utf8');
    const etcd = new EtcdClient([`https://${agent.address}:2379`], { caPem: pem('etcd-ca.crt'), certPem: pem('apiserver-etcd-client.crt'), keyPem: pem('apiserver-etcd-client.key') }, 60_000);
    const started = Date.now();
    const value = Buffer.alloc(VALUE_BYTES);
    let written = 0;
    for (let i = 0; written < target; i++) {
      createHash('sha256').update(String(i)).digest().copy(value, 0);
      value.fill(i % 251, 32);
      await etcd.put(`/bench/value-${String(i).padStart(6, '0')}`, value);
      written += VALUE_BYTES;
    }
    const { dbSize } = await etcd.status();
    process.stdout.write(`filled etcd with ${mib(written)} of values in ${((Date.now() - started) / 1000).toFixed(0)} s; its database is ${mib(Number(dbSize))}\n`);

    const baseline = rss.now();
    const phases: Array<{ phase: string; seconds: number; peak: number }> = [];
    const measure = async <T>(phase: string, run: () => Promise<T>): Promise<T> => {
      rss.reset();
      const t0 = Date.now();
      const result = await run();
      phases.push({ phase, seconds: (Date.now() - t0) / 1000, peak: rss.peak() });
      return result;
    };

    const snapshot = await measure('snapshot (etcd -> server -> sealed -> store)', async () => {
      const id = (await server.request('POST', '/v1/environments/scale/snapshots')).body.id;
      let done: any = null;
      await eventually(async () => {
        done = (await server.request('GET', `/v1/environments/scale/snapshots/${id}`)).body;
        if (done.state === 'failed') throw new Error(`snapshot failed: ${done.message}`);
        return done.state === 'completed';
      }, { timeoutMs: 1_800_000, what: 'snapshot completed', intervalMs: 500 });
      return done;
    });

    await measure('download (store -> opened -> checked -> client)', async () => {
      const res = await fetch(`${server.url}/v1/environments/scale/snapshots/${snapshot.id}/data`, { headers: { authorization: `Bearer ${server.adminKey}` } });
      const hash = createHash('sha256');
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
      if (hash.digest('hex') !== snapshot.sha256) throw new Error('the download does not match the snapshot SHA-256');
    });

    await measure('restore (pre-restore snapshot, agent download, etcdutl restore)', async () => {
      const restore = (await server.request('POST', '/v1/environments/scale/restore', { snapshotId: snapshot.id })).body;
      await eventually(async () => {
        const r = (await server.request('GET', '/v1/environments/scale/restores')).body.items.find((x: any) => x.id === restore.id);
        if (r.phase === 'failed' || r.phase === 'cancelled') throw new Error(`restore ${r.phase}: ${r.message}`);
        return r.phase === 'completed';
      }, { timeoutMs: 3_600_000, what: 'restore completed', intervalMs: 1000 });
    });
    const { count } = await etcd.range('/bench/', { prefix: true, countOnly: true });

    process.stdout.write(`\nsnapshot ${snapshot.id}: ${mib(snapshot.sizeBytes)} (etcd database), ${count} bench keys back after the restore\n`);
    process.stdout.write(`server RSS before: ${mib(baseline)}\n\n| phase | time | server RSS peak | peak - before | (peak - before) / snapshot size |\n|---|---|---|---|---|\n`);
    for (const p of phases) {
      process.stdout.write(`| ${p.phase} | ${p.seconds.toFixed(0)} s | ${mib(p.peak)} | ${mib(p.peak - baseline)} | ${((p.peak - baseline) / snapshot.sizeBytes).toFixed(3)} |\n`);
    }
    process.stdout.write(`\nphysical reference: holding the snapshot whole takes >= its size, ${mib(snapshot.sizeBytes)} (ratio 1.0)\n`);
  } finally {
    rss.stop();
    await agents?.stopAll();
    agents?.cleanup();
    await server.stop();
    await s3?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`snapshot-scale failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
