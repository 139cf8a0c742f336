import { X509Certificate } from 'node:crypto';
import { CertificateIssuer } from './certificate-issuer';
import { createCertificateAuthority } from './create-certificate-authority';
import type { CertificatePem } from './pki-types';

export interface ServerTlsBundle {
  ca: CertificatePem;
  server: CertificatePem;
  /** "sha256:<hex>" of the CA certificate, as agents pin it */
  caFingerprint: string;
}

/**
 * A CA and a serving certificate signed by it, for the Corral server itself (npm start's
 * local CA, tests): the names and addresses clients reach the server by go into its SANs.
 * An existing CA is reused, so clients that trust it keep trusting a renewed certificate.
 */
export async function createServerTlsBundle(input: { dnsNames: string[]; ipAddresses: string[]; ca?: CertificatePem }): Promise<ServerTlsBundle> {
  const ca = input.ca ?? (await createCertificateAuthority('corral-server-ca'));
  const issuer = await CertificateIssuer.forCa(ca);
  const server = await issuer.issue({ ca: 'cluster', commonName: 'corral-server', usages: ['server'], dnsNames: input.dnsNames, ipAddresses: input.ipAddresses });
  return { ca, server, caFingerprint: `sha256:${new X509Certificate(ca.certPem).fingerprint256.replace(/:/g, '').toLowerCase()}` };
}
