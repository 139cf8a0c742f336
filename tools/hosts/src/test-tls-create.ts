import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_TLS_DIR, TEST_TLS_PATHS as paths, type TestTlsPaths } from './test-tls';

const RENEW_BEFORE_MS = 7 * 86400_000;

/** Creates the test CA and server certificate unless fresh ones exist (jest's global setup calls it). */
export async function ensureTestTls(): Promise<TestTlsPaths> {
  const notAfterFile = join(TEST_TLS_DIR, 'not-after');
  if (existsSync(paths.keyFile) && existsSync(notAfterFile) && Date.parse(readFileSync(notAfterFile, 'utf8')) - Date.now() > RENEW_BEFORE_MS) return paths;
  mkdirSync(TEST_TLS_DIR, { recursive: true, mode: 0o700 });
  // loaded here, not at the top: the harness is also compiled alone for child processes, which never
  // make certificates; relative, because jest's global setup runs without the path aliases
  await import('reflect-metadata');
  // eslint-disable-next-line @nx/enforce-module-boundaries -- no path aliases in jest's global setup
  const { createServerTlsBundle } = await import('../../../libs/kube/src/pki/server-tls-bundle');
  const bridges = Array.from({ length: 256 }, (_, x) => `10.213.${x}.1`);
  const bundle = await createServerTlsBundle({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1', ...bridges] });
  const write = (file: string, content: string, mode: number) => {
    writeFileSync(`${file}.tmp`, content, { mode });
    renameSync(`${file}.tmp`, file);
  };
  write(paths.caFile, bundle.ca.certPem, 0o644);
  write(paths.certFile, bundle.server.certPem, 0o644);
  write(paths.keyFile, bundle.server.keyPem, 0o600);
  write(notAfterFile, bundle.server.notAfter, 0o644);
  return paths;
}

