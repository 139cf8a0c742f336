import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setDefaultCACertificates, getCACertificates } from 'node:tls';

/**
 * The TLS material of every test server: one CA and one serving certificate for the names and
 * addresses test clients reach a server by (the loopback, and each node-host bridge's
 * 10.213.X.1), made once per machine and reused until it nears expiry.
 */
export const TEST_TLS_DIR = join(tmpdir(), 'corral-test-tls');

export interface TestTlsPaths {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export const TEST_TLS_PATHS: TestTlsPaths = {
  caFile: join(TEST_TLS_DIR, 'ca.crt'),
  certFile: join(TEST_TLS_DIR, 'server.crt'),
  keyFile: join(TEST_TLS_DIR, 'server.key'),
};
/** The paths, once ensureTestTls has run (in jest's global setup). */
export function testTlsPaths(): TestTlsPaths {
  if (!existsSync(TEST_TLS_PATHS.keyFile)) throw new Error(`no test TLS material in ${TEST_TLS_DIR}: jest's global setup (ensureTestTls) did not run`);
  return TEST_TLS_PATHS;
}

/** Makes this process's fetch and https trust test servers (the system's CAs stay trusted). */
export function trustTestCa(): void {
  const ca = readFileSync(testTlsPaths().caFile, 'utf8');
  if (!getCACertificates('default').includes(ca)) setDefaultCACertificates([...getCACertificates('default'), ca]);
}
