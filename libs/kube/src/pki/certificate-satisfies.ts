import { X509Certificate } from 'node:crypto';
import type { CertificatePem, LeafCertificateRequest } from './pki-types';

const EKU_OID = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' } as const;

const sameSet = (a: Iterable<string>, b: Iterable<string>) => {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
};

/**
 * Whether an issued certificate still does the job the request describes: same subject,
 * SANs and usages, signed by the given CA, and valid past `renewAfter`.
 */
export function certificateSatisfies(
  cert: CertificatePem,
  request: LeafCertificateRequest,
  ca: X509Certificate,
  renewAfter: Date,
): boolean {
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert.certPem);
  } catch {
    return false;
  }
  const subject = [...(request.organizations ?? []).map((o) => `O=${o}`), `CN=${request.commonName}`].join('\n');
  const sans = [
    ...(request.dnsNames ?? []).map((name) => `DNS:${name}`),
    ...(request.ipAddresses ?? []).map((ip) => `IP Address:${ip}`),
  ];
  const actualSans = (x.subjectAltName ?? '').split(', ').filter(Boolean);
  return (
    x.subject === subject &&
    sameSet(actualSans, sans) &&
    sameSet(x.keyUsage ?? [], request.usages.map((usage) => EKU_OID[usage])) &&
    Date.parse(x.validTo) > renewAfter.getTime() &&
    x.checkIssued(ca) &&
    x.verify(ca.publicKey)
  );
}
