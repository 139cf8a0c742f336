import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { createServerTlsBundle, type CertificatePem } from '@corral/kube';

export interface LocalTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  caFingerprint: string;
}

/**
 * npm start's HTTPS: a local CA kept under DIR/tls (made once, so what trusts it keeps
 * trusting it) and a server certificate issued on every start for the addresses the server is
 * reached at this time (the hosts' bridge address changes between runs).
 */
export async function localServerTls(dir: string, addresses: string[]): Promise<LocalTls> {
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const caFile = join(tlsDir, 'ca.crt');
  const caKeyFile = join(tlsDir, 'ca.key');
  const existing: CertificatePem | undefined =
    existsSync(caFile) && existsSync(caKeyFile) ? { certPem: readFileSync(caFile, 'utf8'), keyPem: readFileSync(caKeyFile, 'utf8'), notAfter: '' } : undefined;
  const bundle = await createServerTlsBundle({ dnsNames: ['localhost', hostname()], ipAddresses: ['127.0.0.1', '::1', ...addresses], ca: existing });
  if (!existing) {
    writeFileSync(caKeyFile, bundle.ca.keyPem, { mode: 0o600 });
    writeFileSync(caFile, bundle.ca.certPem, { mode: 0o644 });
  }
  const certFile = join(tlsDir, 'server.crt');
  const keyFile = join(tlsDir, 'server.key');
  writeFileSync(keyFile, bundle.server.keyPem, { mode: 0o600 });
  writeFileSync(certFile, bundle.server.certPem, { mode: 0o644 });
  // this launcher's own requests (health, API) verify the server like every other client
  setDefaultCACertificates([...getCACertificates('default'), bundle.ca.certPem]);
  return { caFile, certFile, keyFile, caFingerprint: bundle.caFingerprint };
}
