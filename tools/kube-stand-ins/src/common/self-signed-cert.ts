import { webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface CertPair {
  cert: string;
  key: string;
}

/**
 * A self-signed serving certificate, as upstream components create when no --tls-cert-file
 * is given (client-go's GenerateSelfSignedCertKey): CN "<host>@<unix time>", SANs for the
 * host plus localhost and 127.0.0.1.
 */
export async function generateSelfSignedCert(host: string, extraSans: string[] = []): Promise<CertPair> {
  // loaded on demand: @peculiar/x509 needs the reflect polyfill and is slow to load
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const names = new Set([host, 'localhost', '127.0.0.1', ...extraSans].filter((n) => n && n !== '0.0.0.0' && n !== '::'));
  const sans = [...names].map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n }));
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: now.toString(16).padStart(16, '0'),
    name: `CN=${host || 'localhost'}@${Math.floor(now / 1000)}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 24 * 3600_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"],
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(sans, false),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem') + '\n', key };
}

/**
 * The serving certificate from --tls-cert-file/--tls-private-key-file, else `<name>.crt/.key`
 * in certDir (created there on first use, reused after), else an in-memory self-signed pair.
 */
export async function loadOrCreateServingCert(opts: { certFile?: string; keyFile?: string; certDir?: string; name: string; host: string }): Promise<CertPair> {
  if (opts.certFile && opts.keyFile) {
    return { cert: readFileSync(opts.certFile, 'utf8'), key: readFileSync(opts.keyFile, 'utf8') };
  }
  if (opts.certFile || opts.keyFile) throw new Error('--tls-cert-file and --tls-private-key-file must be given together');
  if (opts.certDir) {
    const certPath = join(opts.certDir, `${opts.name}.crt`);
    const keyPath = join(opts.certDir, `${opts.name}.key`);
    if (existsSync(certPath) && existsSync(keyPath)) {
      const cert = readFileSync(certPath, 'utf8');
      if (new X509Certificate(cert).validToDate.getTime() > Date.now()) return { cert, key: readFileSync(keyPath, 'utf8') };
    }
    const pair = await generateSelfSignedCert(opts.host);
    mkdirSync(opts.certDir, { recursive: true, mode: 0o755 });
    writeFileSync(certPath, pair.cert, { mode: 0o644 });
    writeFileSync(keyPath, pair.key, { mode: 0o600 });
    return pair;
  }
  return generateSelfSignedCert(opts.host);
}
