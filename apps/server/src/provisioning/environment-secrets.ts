import type { CertificatePem, EnvironmentCas, HostPki } from '@corral/kube';

/** Everything secret about one environment; stored sealed (AES-GCM) in environments.secrets_encrypted. */
export interface EnvironmentSecrets {
  cas: EnvironmentCas;
  /** certificates of each host's components, by host id */
  hosts: Record<string, HostPki>;
  admin: CertificatePem;
  /** the server's own etcd client certificate (members API, snapshots); absent in secrets written before it existed */
  etcdClient?: CertificatePem;
  /** the Kubernetes API proxy's client certificate (corral:api-proxy, may only impersonate); absent before it existed */
  apiProxy?: CertificatePem;
  /**
   * Never stored: set by EnvironmentPkiService when a CA rotation is under way. The cluster CA
   * bundle to trust (old and new CA); `cas.clusterCa` is then the CA that signs now.
   */
  clusterCaBundlePem?: string;
}

/** The cluster CA (bundle) a client of the environment's apiservers trusts. */
export function clusterTrust(secrets: Pick<EnvironmentSecrets, 'cas' | 'clusterCaBundlePem'>): string {
  return secrets.clusterCaBundlePem ?? secrets.cas.clusterCa.certPem;
}
