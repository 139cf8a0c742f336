import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_TLS_DIR, TEST_TLS_PATHS as paths, type TestTlsPaths } from './test-tls';

const RENEW_BEFORE_MS = 7 * 86400_000;

/** a lock older than this was left by a killed process */
const STALE_LOCK_MS = 60_000;

/**
 * Creates the test CA and server certificate unless fresh ones exist (jest's global setup calls
 * it). Jest runs that run at the same time (run-tiers.mjs runs the host-loss step and the step
 * beside it as two) take turns through a lock file, so the CA, certificate and key on disk always
 * belong together.
 */
export async function ensureTestTls(): Promise<TestTlsPaths> {
  const notAfterFile = join(TEST_TLS_DIR, 'not-after');
  const fresh = () => existsSync(paths.keyFile) && existsSync(notAfterFile) && Date.parse(readFileSync(notAfterFile, 'utf8')) - Date.now() > RENEW_BEFORE_MS;
  if (fresh()) return paths;
  mkdirSync(TEST_TLS_DIR, { recursive: true, mode: 0o700 });
  const lock = join(TEST_TLS_DIR, 'creating.lock');
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > STALE_LOCK_MS) rmSync(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 100));
      if (fresh()) return paths;
    }
  }
  try {
    if (!fresh()) await createTestTls(notAfterFile);
  } finally {
    rmSync(lock, { force: true });
  }
  return paths;
}

async function createTestTls(notAfterFile: string): Promise<void> {
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
}

