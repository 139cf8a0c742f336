import type { EnvironmentCas } from './pki-types';
import { createCertificateAuthority } from './create-certificate-authority';
import { exportPrivateKeyPem, exportPublicKeyPem, generateKeyPair } from './web-crypto';

/** The cluster, etcd and front-proxy CAs plus the service-account key pair of one environment. */
export async function createEnvironmentCas(environmentName: string, now = new Date()): Promise<EnvironmentCas> {
  const [clusterCa, etcdCa, frontProxyCa, saKeys] = await Promise.all([
    createCertificateAuthority(`${environmentName}-ca`, now),
    createCertificateAuthority(`${environmentName}-etcd-ca`, now),
    createCertificateAuthority(`${environmentName}-front-proxy-ca`, now),
    generateKeyPair(),
  ]);
  return {
    clusterCa,
    etcdCa,
    frontProxyCa,
    serviceAccount: {
      publicKeyPem: await exportPublicKeyPem(saKeys.publicKey),
      privateKeyPem: await exportPrivateKeyPem(saKeys.privateKey),
    },
  };
}
