import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { testTlsPaths } from '@corral/test-hosts';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package: the browser tests and the web-console bench never download one. */
export const CHROMIUM_PATH = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install the Debian package "chromium" (apt-get install -y chromium; .ci/services.sh does), or point CORRAL_CHROMIUM at another Chromium binary`);
  }
  // root in a container has no user namespaces for Chromium's sandbox; the test servers' certificate
  // is accepted by its key alone (the test CA is in no browser's store), no other certificate error is
  const spki = createHash('sha256').update(new X509Certificate(readFileSync(testTlsPaths().certFile)).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage', `--ignore-certificate-errors-spki-list=${spki}`] });
}
