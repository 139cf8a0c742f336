import type { CertificatePem, EnvironmentCas, HostPki } from './pki-types';

/** Every certificate in a HostPki, named "<kind>/<role>", e.g. "etcd/peer". */
export function listHostCertificates(pki: HostPki): Array<{ name: string; certificate: CertificatePem }> {
  return Object.entries(pki).flatMap(([kind, certs]) =>
    Object.entries(certs as Record<string, CertificatePem>).map(([role, certificate]) => ({
      name: `${kind}/${role}`,
      certificate,
    })),
  );
}

export function listCaCertificates(cas: EnvironmentCas): Array<{ name: string; certificate: CertificatePem }> {
  return [
    { name: 'ca/cluster', certificate: cas.clusterCa },
    { name: 'ca/etcd', certificate: cas.etcdCa },
    { name: 'ca/front-proxy', certificate: cas.frontProxyCa },
  ];
}

/** The earliest notAfter (ISO) of the given certificates, or null when there are none. */
export function soonestNotAfter(certificates: Iterable<Pick<CertificatePem, 'notAfter'>>): string | null {
  let soonest: string | null = null;
  let soonestMs = Infinity;
  for (const { notAfter } of certificates) {
    const ms = Date.parse(notAfter);
    if (ms < soonestMs) {
      soonestMs = ms;
      soonest = notAfter;
    }
  }
  return soonest;
}
