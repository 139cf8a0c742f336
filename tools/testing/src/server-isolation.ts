import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TestTlsPaths } from '@corral/test-hosts';
import { deleteRedisPrefix } from './redis-prefix';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The environment of a throwaway server (in this process or its own): real PostgreSQL and Redis,
 * isolated by a unique schema, Redis key prefix and snapshot directory, HTTPS with the test CA,
 * and fresh keys. `label` names what made it (test, bench) in the schema and prefix.
 */
export function isolatedServerEnv(options: { label: string; tls: TestTlsPaths; port?: number }, overrides: Record<string, string> = {}): Record<string, string> {
  const id = randomBytes(5).toString('hex');
  const { label, tls } = options;
  return {
    DATABASE_URL,
    REDIS_URL,
    CORRAL_DB_SCHEMA: `${label}_${id}`,
    CORRAL_REDIS_PREFIX: `corral-${label}-${id}`,
    CORRAL_PORT: String(options.port ?? 0),
    CORRAL_BIND_ADDRESS: '127.0.0.1',
    CORRAL_SECRET_KEY: randomBytes(32).toString('base64'),
    CORRAL_ADMIN_KEY: `crl_ak_${label}_${randomBytes(24).toString('base64url')}`,
    CORRAL_SNAPSHOT_DIR: isolatedSnapshotDir(label, id),
    CORRAL_LOG_LEVEL: 'warn',
    CORRAL_TLS_CERT_FILE: tls.certFile,
    CORRAL_TLS_KEY_FILE: tls.keyFile,
    CORRAL_TLS_CA_FILE: tls.caFile,
    // tests and load generators poll with one admin key far faster than a person would: the
    // per-key rate limit would measure itself (fair-use.test.ts sets its own limit)
    CORRAL_RATE_LIMIT: '10000000',
    ...overrides,
  };
}

const snapshotRoot = (label: string) => join(tmpdir(), `corral-${label}-snapshots`);
const isolatedSnapshotDir = (label: string, id: string) => join(snapshotRoot(label), id);

/** Removes what an isolated server leaves: its schema, its Redis keys and (when it is a throwaway one) its snapshot directory. */
export async function dropServerIsolation(isolation: { schema: string; redisPrefix: string; snapshotDir: string | null }): Promise<void> {
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS "${isolation.schema}" CASCADE`);
  await db.end();
  await deleteRedisPrefix(REDIS_URL, isolation.redisPrefix);
  const dir = isolation.snapshotDir;
  if (dir && ['test', 'bench'].some((label) => dir.startsWith(snapshotRoot(label)))) rmSync(dir, { recursive: true, force: true });
}
