import * as x509 from '@peculiar/x509';
import { createHash, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { CaName, CertificatePem, EnvironmentCas, LeafCertificateRequest } from './pki-types';
import { randomSerialNumber } from './serial-number';
import { LEAF_VALIDITY_DAYS, validityWindow } from './validity';
import { crypto, pemText, type CryptoKey, exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem, SIGNING_ALGORITHM } from './web-crypto';

interface LoadedCa {
  cert: x509.X509Certificate;
  nodeCert: NodeX509Certificate;
  key: CryptoKey;
  authorityKeyId: x509.AuthorityKeyIdentifierExtension;
}

const EKU: Record<LeafCertificateRequest['usages'][number], string> = {
  server: x509.ExtendedKeyUsage.serverAuth,
  client: x509.ExtendedKeyUsage.clientAuth,
};
// Immutable, so built once and shared by every certificate.
const LEAF_CONSTRAINTS = new x509.BasicConstraintsExtension(false, undefined, true);
const LEAF_KEY_USAGE = new x509.KeyUsagesExtension(
  x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
  true,
);
const EXTENDED_KEY_USAGE = new Map<string, x509.ExtendedKeyUsageExtension>();

function extendedKeyUsage(usages: LeafCertificateRequest['usages']): x509.ExtendedKeyUsageExtension {
  const key = [...new Set(usages)].sort().join(',');
  let extension = EXTENDED_KEY_USAGE.get(key);
  if (!extension) {
    extension = new x509.ExtendedKeyUsageExtension(key.split(',').map((usage) => EKU[usage as keyof typeof EKU]), false);
    EXTENDED_KEY_USAGE.set(key, extension);
  }
  return extension;
}

/**
 * Signs leaf certificates for one environment. Load it once per environment and issue many:
 * the CA keys are imported a single time and reused for every certificate.
 */
export class CertificateIssuer {
  private constructor(private readonly cas: Record<CaName, LoadedCa>) {}

  /** The CA certificate, parsed by Node, for checking certificates it issued. */
  caCertificate(ca: CaName): NodeX509Certificate {
    return this.cas[ca].nodeCert;
  }

  static async load(cas: EnvironmentCas): Promise<CertificateIssuer> {
    const [cluster, etcd, frontProxy] = await Promise.all([
      loadCa(cas.clusterCa),
      loadCa(cas.etcdCa),
      loadCa(cas.frontProxyCa),
    ]);
    return new CertificateIssuer({ cluster, etcd, 'front-proxy': frontProxy });
  }

  /** An issuer of one CA that is not an environment's (e.g. the Corral server's own); requests name any CaName. */
  static async forCa(ca: { certPem: string; keyPem: string }): Promise<CertificateIssuer> {
    const loaded = await loadCa(ca);
    return new CertificateIssuer({ cluster: loaded, etcd: loaded, 'front-proxy': loaded });
  }

  /** `validDays` (default LEAF_VALIDITY_DAYS) may be a fraction: a short-lived credential such as a downloaded admin kubeconfig. */
  async issue(request: LeafCertificateRequest, now = new Date(), validDays = LEAF_VALIDITY_DAYS): Promise<CertificatePem> {
    if (request.usages.length === 0) throw new Error(`certificate ${request.commonName}: no usages`);
    if (!(validDays > 0 && validDays <= LEAF_VALIDITY_DAYS)) throw new RangeError(`certificate ${request.commonName}: validity must be more than 0 and at most ${LEAF_VALIDITY_DAYS} days`);
    const ca = this.cas[request.ca];
    const keys = await generateKeyPair();
    const { notBefore, notAfter } = validityWindow(now, validDays);
    const extensions: x509.Extension[] = [
      LEAF_CONSTRAINTS,
      LEAF_KEY_USAGE,
      extendedKeyUsage(request.usages),
      ca.authorityKeyId,
      await subjectKeyIdentifier(keys.publicKey),
    ];
    const altNames = subjectAltNames(request);
    if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames, false));

    const cert = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerialNumber(),
        subject: subjectName(request),
        issuer: ca.cert.subjectName,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: ca.key,
        signingAlgorithm: SIGNING_ALGORITHM,
        extensions,
      },
      crypto,
    );
    return {
      certPem: pemText(cert.toString('pem')),
      keyPem: await exportPrivateKeyPem(keys.privateKey),
      notAfter: cert.notAfter.toISOString(),
    };
  }
}

async function loadCa(ca: { certPem: string; keyPem: string }): Promise<LoadedCa> {
  const cert = new x509.X509Certificate(ca.certPem);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const [key, authorityKeyId] = await Promise.all([
    importPrivateKeyPem(ca.keyPem),
    ski
      ? Promise.resolve(new x509.AuthorityKeyIdentifierExtension(ski.keyId, false))
      : x509.AuthorityKeyIdentifierExtension.create(cert.publicKey, false, crypto),
  ]);
  return { cert, nodeCert: new NodeX509Certificate(ca.certPem), key, authorityKeyId };
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the public key bits, computed without re-parsing the SPKI. */
async function subjectKeyIdentifier(publicKey: CryptoKey): Promise<x509.SubjectKeyIdentifierExtension> {
  const point = await crypto.subtle.exportKey('raw', publicKey);
  return new x509.SubjectKeyIdentifierExtension(createHash('sha1').update(new Uint8Array(point)).digest('hex'), false);
}

function subjectName(request: LeafCertificateRequest): x509.JsonName {
  const name: x509.JsonName = [];
  for (const organization of request.organizations ?? []) name.push({ O: [organization] });
  name.push({ CN: [request.commonName] });
  return name;
}

function subjectAltNames(request: LeafCertificateRequest): x509.JsonGeneralName[] {
  const dns = [...new Set(request.dnsNames ?? [])];
  const ips = [...new Set(request.ipAddresses ?? [])];
  for (const ip of ips) {
    if (isIP(ip) === 0) throw new Error(`certificate ${request.commonName}: ${ip} is not an IP address`);
  }
  return [...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))];
}
