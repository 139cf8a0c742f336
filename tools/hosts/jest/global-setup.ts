import { ensureTestTls } from '../src/test-tls-create';

/** Once per jest run: the CA and certificate every test server serves HTTPS with. */
export default async function globalSetup(): Promise<void> {
  await ensureTestTls();
}
