import type { ComponentKind } from '@corral/contracts';
import type { EnvironmentCas, HostPki } from '../pki';

export interface CatalogNetworking {
  /** pod network, e.g. 10.42.0.0/16 */
  clusterCidr: string;
  /** service network, e.g. 10.43.0.0/16; its first address is the `kubernetes` service IP */
  serviceCidr: string;
  clusterDomain: string;
  dnsServiceIp: string;
}

export interface CatalogEnvironment {
  id: string;
  /** DNS-1123 label; names kubeconfig clusters and the controller-manager's --cluster-name */
  name: string;
  kubernetesVersion: string;
  networking: CatalogNetworking;
}

export interface CatalogHost {
  id: string;
  hostname: string;
  /** the address every component on the host binds to (never 0.0.0.0) */
  address: string;
}

export interface EtcdMember {
  /** etcd member name (--name), unique in the cluster */
  name: string;
  address: string;
}

export interface EtcdClusterInput {
  /** every member of the etcd cluster, including the one on this host if any */
  members: EtcdMember[];
  /** "new" while bootstrapping; "existing" for a member added to a running cluster */
  initialClusterState: 'new' | 'existing';
  /** --initial-cluster-token; default corral-<environment id> (a restored cluster needs a new one) */
  clusterToken?: string;
  /** --data-dir; default ${dataDir}. A member added later gets a directory of its own, so no stale data of an earlier member is reused */
  dataDir?: string;
  /** a founding member of a restored cluster: its data dir is made from this snapshot before etcd first starts */
  restoreFrom?: EtcdRestoreSource;
}

/** An etcd snapshot the server keeps, as a restored member's init step downloads it. */
export interface EtcdRestoreSource {
  snapshotId: string;
  /** lowercase hex SHA-256 of the snapshot file */
  sha256: string;
}

export interface CatalogOptions {
  /** every component's health probe (defaults: every 2 s, restarted after 3 failures in a row) */
  probes?: { intervalSeconds?: number; failureThreshold?: number };
  ingress?: { httpPort?: number; httpsPort?: number };
  kubelet?: { containerRuntimeEndpoint?: string; cgroupDriver?: 'systemd' | 'cgroupfs' };
  /** where the host keeps its CNI plugins (default /usr/lib/cni, Debian's containernetworking-plugins) */
  containerd?: { cniBinDir?: string };
  /** cluster DNS: where names outside the cluster go (ip[:port] each; default the host's /etc/resolv.conf) */
  dns?: { upstreams?: string[] };
}

/** A worker's share of the pod network (Corral's IPAM) and the routes to every other worker's. */
export interface PodNetworkInput {
  /** this host's pod CIDR, e.g. 10.42.1.0/24: the CNI bridge's range and the Node's spec.podCIDR */
  nodeCidr: string;
  /** every other worker's pod CIDR and the host address it is reached through */
  routes: { cidr: string; via: string }[];
}

export interface HostComponentsInput {
  environment: CatalogEnvironment;
  host: CatalogHost;
  /** the components placed on this host */
  kinds: readonly ComponentKind[];
  etcd: EtcdClusterInput;
  /** base URL of every kube-apiserver, e.g. https://10.0.0.5:6443 (see selectApiServerEndpoint) */
  apiServerEndpoints: string[];
  cas: EnvironmentCas;
  /**
   * PEM bundle every component trusts for the cluster CA (client CAs, kubeconfigs, the
   * kubelet's client CA, the service-account root CA); default `cas.clusterCa` alone. During
   * a CA rotation it holds the old and the new CA, while `cas.clusterCa` is the one that signs.
   */
  clusterCaBundlePem?: string;
  /** certificates of this host's components (issueHostPki) */
  pki: HostPki;
  options?: CatalogOptions;
  /** workers only: the host's pod CIDR and routes (containerd's CNI bridge, pod-network) */
  podNetwork?: PodNetworkInput;
}

/** The cluster CA bundle the components trust (see HostComponentsInput.clusterCaBundlePem). */
export function clusterTrustPem(input: Pick<HostComponentsInput, 'cas' | 'clusterCaBundlePem'>): string {
  return input.clusterCaBundlePem ?? input.cas.clusterCa.certPem;
}
