import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRedisPrefix } from '@corral/testing';
import { testTlsPaths } from '@corral/test-hosts';
import { Client } from 'pg';
import { createServer } from '../../src/create-server';
import { loadConfig } from '../../src/config/load-config';
import type { CorralConfig } from '../../src/config/corral-config';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestServer {
  app: INestApplication;
  url: string;
  /** the server's URL at another of its addresses, e.g. the node-host bridge's */
  urlAt(address: string): string;
  adminKey: string;
  config: CorralConfig;
  /** runs SQL in this server's schema */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** stops the server; keepIsolation leaves its schema and Redis keys for a restart with the same config */
  close(options?: { keepIsolation?: boolean }): Promise<void>;
}

/** A unique PostgreSQL schema and Redis key prefix per test server: real services, isolated. */
export function isolatedConfig(overrides: Record<string, string> = {}): CorralConfig {
  const id = randomBytes(5).toString('hex');
  return loadConfig({
    DATABASE_URL,
    REDIS_URL,
    CORRAL_DB_SCHEMA: `test_${id}`,
    CORRAL_REDIS_PREFIX: `corral-test-${id}`,
    CORRAL_PORT: '0',
    CORRAL_BIND_ADDRESS: '127.0.0.1',
    CORRAL_SECRET_KEY: randomBytes(32).toString('base64'),
    CORRAL_ADMIN_KEY: `crl_ak_test_${randomBytes(24).toString('base64url')}`,
    CORRAL_SNAPSHOT_DIR: join(tmpdir(), 'corral-test-snapshots', id),
    CORRAL_LOG_LEVEL: 'warn',
    CORRAL_TLS_CERT_FILE: testTlsPaths().certFile,
    CORRAL_TLS_KEY_FILE: testTlsPaths().keyFile,
    CORRAL_TLS_CA_FILE: testTlsPaths().caFile,
    // tests poll with one admin key far faster than a person would; fair-use.test.ts sets its own limit
    CORRAL_RATE_LIMIT: '10000000',
    ...overrides,
  });
}

export async function startTestServer(config: CorralConfig = isolatedConfig()): Promise<TestServer> {
  const app = await createServer(config);
  await app.listen(0, config.bindAddress);
  const { port } = app.getHttpServer().address();
  const db = new Client({ connectionString: DATABASE_URL, options: `-c search_path=${config.databaseSchema}` });
  await db.connect();
  let closed = false;
  return {
    app,
    // a server on every address is reached on the loopback, which its certificate names
    url: `${config.tls ? 'https' : 'http'}://${config.bindAddress === '0.0.0.0' ? '127.0.0.1' : config.bindAddress}:${port}`,
    urlAt: (address) => `${config.tls ? 'https' : 'http'}://${address}:${port}`,
    adminKey: config.adminKey!,
    config,
    sql: async (text, params) => (await db.query(text, params as unknown[])).rows,
    async close(options = {}) {
      if (closed) return;
      closed = true;
      await app.close();
      await db.end();
      if (!options.keepIsolation) await dropIsolation(config);
    },
  };
}

export async function dropIsolation(config: CorralConfig): Promise<void> {
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS "${config.databaseSchema}" CASCADE`);
  await db.end();
  await deleteRedisPrefix(REDIS_URL, config.redisPrefix);
  if (config.snapshotStore.kind === 'filesystem' && config.snapshotStore.dir.startsWith(join(tmpdir(), 'corral-test-snapshots'))) rmSync(config.snapshotStore.dir, { recursive: true, force: true });
}

export { eventually } from '@corral/testing';
