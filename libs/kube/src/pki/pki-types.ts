/** A certificate with its private key, both PEM; notAfter is an ISO-8601 time. */
export interface CertificatePem {
  certPem: string;
  keyPem: string;
  notAfter: string;
}

export interface KeyPairPem {
  publicKeyPem: string;
  privateKeyPem: string;
}

/** The long-lived secrets of one environment; everything else is issued from them. */
export interface EnvironmentCas {
  clusterCa: CertificatePem;
  etcdCa: CertificatePem;
  frontProxyCa: CertificatePem;
  /** signs and verifies service-account tokens */
  serviceAccount: KeyPairPem;
}

export type CaName = 'cluster' | 'etcd' | 'front-proxy';
export type CertificateUsage = 'server' | 'client';

export interface LeafCertificateRequest {
  ca: CaName;
  commonName: string;
  organizations?: string[];
  usages: CertificateUsage[];
  dnsNames?: string[];
  ipAddresses?: string[];
}

export interface EtcdPki {
  server: CertificatePem;
  peer: CertificatePem;
  /** client certificate the agent's health probe presents to etcd */
  healthcheckClient: CertificatePem;
}
export interface ApiServerPki {
  serving: CertificatePem;
  etcdClient: CertificatePem;
  kubeletClient: CertificatePem;
  frontProxyClient: CertificatePem;
}
/** kube-scheduler and kube-controller-manager: an identity for the apiserver and a serving cert for their health port */
export interface ControlPlaneClientPki {
  client: CertificatePem;
  serving: CertificatePem;
}
export interface KubeletPki {
  client: CertificatePem;
  serving: CertificatePem;
}
export interface ClientOnlyPki {
  client: CertificatePem;
}

/** The certificates of the components placed on one host, keyed by component kind. */
export interface HostPki {
  etcd?: EtcdPki;
  'kube-apiserver'?: ApiServerPki;
  'kube-scheduler'?: ControlPlaneClientPki;
  'kube-controller-manager'?: ControlPlaneClientPki;
  kubelet?: KubeletPki;
  'kube-proxy'?: ClientOnlyPki;
  'ingress-controller'?: ClientOnlyPki;
  'cluster-dns'?: ClientOnlyPki;
}
