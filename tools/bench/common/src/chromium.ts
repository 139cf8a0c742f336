import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package: the browser tests and the web-console bench never download one. */
export const CHROMIUM_PATH = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install the Debian package "chromium" (apt-get install -y chromium; .ci/services.sh does), or point CORRAL_CHROMIUM at another Chromium binary`);
  }
  // root in a container has no user namespaces for Chromium's sandbox
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
