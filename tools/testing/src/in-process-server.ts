import type { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import { Client } from 'pg';
import { testTlsPaths } from '@corral/test-hosts';
import { DATABASE_URL, dropServerIsolation, isolatedServerEnv } from './server-isolation';

/** What the launcher reads of the server's configuration (apps/server's CorralConfig has it). */
export interface InProcessServerConfig {
  bindAddress: string;
  tls: unknown;
  adminKey: string | null;
  databaseSchema: string;
  redisPrefix: string;
  snapshotStore: { kind: string; dir?: string };
}

export interface InProcessServer<C extends InProcessServerConfig = InProcessServerConfig> {
  app: INestApplication;
  url: string;
  /** the server's URL at another of its addresses, e.g. the node-host bridge's */
  urlAt(address: string): string;
  adminKey: string;
  config: C;
  /** runs SQL in this server's schema */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** stops the server; keepIsolation leaves its schema and Redis keys for a restart with the same config */
  close(options?: { keepIsolation?: boolean }): Promise<void>;
}

/**
 * The server's own modules, loaded by path when a test starts one: the toolkit has no build-time
 * dependency on apps/server (an app), as the process launcher runs its build (dist) by path.
 * From jest this is the TypeScript source, from dist the compiled server.
 */
const SERVER_SRC = join(__dirname, '../../../apps/server/src');

async function serverModule<T>(path: string): Promise<T> {
  return (await import(join(SERVER_SRC, path))) as T;
}

/** A server configuration on its own schema, Redis prefix and snapshot directory (isolatedServerEnv), as the server loads it. */
export async function isolatedInProcessConfig(overrides: Record<string, string> = {}): Promise<InProcessServerConfig> {
  const { loadConfig } = await serverModule<{ loadConfig(env: Record<string, string>): InProcessServerConfig }>('config/load-config');
  return loadConfig(isolatedServerEnv({ label: 'test', tls: testTlsPaths() }, overrides));
}

/**
 * The real server (NestJS application, HTTPS, workers) in this process, listening on a free
 * port: tests reach into it (its HTTP server's connections, SQL in its schema). For a server
 * that can be killed and restarted, startServerProcess.
 */
export async function startInProcessServer<C extends InProcessServerConfig>(config: C): Promise<InProcessServer<C>> {
  const { createServer } = await serverModule<{ createServer(config: C): Promise<INestApplication> }>('create-server');
  const app = await createServer(config);
  await app.listen(0, config.bindAddress);
  const { port } = app.getHttpServer().address();
  const db = new Client({ connectionString: DATABASE_URL, options: `-c search_path=${config.databaseSchema}` });
  await db.connect();
  const scheme = config.tls ? 'https' : 'http';
  let closed = false;
  return {
    app,
    // a server on every address is reached on the loopback, which its certificate names
    url: `${scheme}://${config.bindAddress === '0.0.0.0' ? '127.0.0.1' : config.bindAddress}:${port}`,
    urlAt: (address) => `${scheme}://${address}:${port}`,
    adminKey: config.adminKey!,
    config,
    sql: async (text, params) => (await db.query(text, params as unknown[])).rows,
    async close(options = {}) {
      if (closed) return;
      closed = true;
      await app.close();
      await db.end();
      if (!options.keepIsolation) await dropInProcessIsolation(config);
    },
  };
}

/** Drops what a server on this configuration left (schema, Redis keys, a throwaway snapshot directory). */
export function dropInProcessIsolation(config: InProcessServerConfig): Promise<void> {
  return dropServerIsolation({ schema: config.databaseSchema, redisPrefix: config.redisPrefix, snapshotDir: config.snapshotStore.kind === 'filesystem' ? (config.snapshotStore.dir ?? null) : null });
}
