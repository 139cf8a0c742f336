export * from './pki-types';
export { CA_VALIDITY_DAYS, LEAF_VALIDITY_DAYS } from './validity';
export { KEY_ALGORITHM } from './web-crypto';
export { createCertificateAuthority } from './create-certificate-authority';
export { createEnvironmentCas } from './create-environment-cas';
export { CertificateIssuer } from './certificate-issuer';
export { certificateProfiles, firstServiceIp, type ApiServerCertificateOptions, type PkiHost } from './certificate-profiles';
export {
  issueAdminCertificate,
  issueApiProxyCertificate,
  issueHostPki,
  planHostCertificates,
  reconcileHostPki,
  type HostCertificatePlan,
  type HostPkiRequest,
  type ReconcileHostPkiOptions,
  type ReconcileHostPkiResult,
} from './issue-host-pki';
export { certificateSatisfies } from './certificate-satisfies';
export { listCaCertificates, listHostCertificates, soonestNotAfter } from './certificate-expiry';
export { createServerTlsBundle, type ServerTlsBundle } from './server-tls-bundle';
