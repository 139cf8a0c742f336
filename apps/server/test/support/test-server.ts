import { dropInProcessIsolation, isolatedServerEnv, startInProcessServer, type InProcessServer } from '@corral/testing';
import { testTlsPaths } from '@corral/test-hosts';
import { loadConfig } from '../../src/config/load-config';
import type { CorralConfig } from '../../src/config/corral-config';

export { DATABASE_URL, REDIS_URL, eventually } from '@corral/testing';

/** The server in this test process (@corral/testing's in-process launcher), typed with the server's configuration. */
export type TestServer = InProcessServer<CorralConfig>;

/** A unique PostgreSQL schema and Redis key prefix per test server: real services, isolated. */
export function isolatedConfig(overrides: Record<string, string> = {}): CorralConfig {
  return loadConfig(isolatedServerEnv({ label: 'test', tls: testTlsPaths() }, overrides));
}

export function startTestServer(config: CorralConfig = isolatedConfig()): Promise<TestServer> {
  return startInProcessServer(config);
}

export function dropIsolation(config: CorralConfig): Promise<void> {
  return dropInProcessIsolation(config);
}
