import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// relative: jest's global setup runs without the path aliases
import { createServerTlsBundle } from '../../../libs/kube/src/pki/server-tls-bundle';
import { TEST_TLS_DIR, TEST_TLS_PATHS as paths, type TestTlsPaths } from './test-tls';

const RENEW_BEFORE_MS = 7 * 86400_000;

/** Creates the test CA and server certificate unless fresh ones exist (jest's global setup calls it). */
export async function ensureTestTls(): Promise<TestTlsPaths> {
  const notAfterFile = join(TEST_TLS_DIR, 'not-after');
  if (existsSync(paths.keyFile) && existsSync(notAfterFile) && Date.parse(readFileSync(notAfterFile, 'utf8')) - Date.now() > RENEW_BEFORE_MS) return paths;
  mkdirSync(TEST_TLS_DIR, { recursive: true, mode: 0o700 });
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

