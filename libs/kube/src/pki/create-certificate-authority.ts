import * as x509 from '@peculiar/x509';
import type { CertificatePem } from './pki-types';
import { randomSerialNumber } from './serial-number';
import { CA_VALIDITY_DAYS, validityWindow } from './validity';
import { crypto, pemText, exportPrivateKeyPem, generateKeyPair, SIGNING_ALGORITHM } from './web-crypto';

/** A self-signed CA that may sign leaf certificates only (path length 0). */
export async function createCertificateAuthority(commonName: string, now = new Date()): Promise<CertificatePem> {
  const keys = await generateKeyPair();
  const { notBefore, notAfter } = validityWindow(now, CA_VALIDITY_DAYS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialNumber(),
      name: [{ CN: [commonName] }],
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return {
    certPem: pemText(cert.toString('pem')),
    keyPem: await exportPrivateKeyPem(keys.privateKey),
    notAfter: cert.notAfter.toISOString(),
  };
}
