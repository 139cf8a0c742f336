/** Upstream default ports; every component binds them on its host's own address. */
export const PORTS = {
  etcdClient: 2379,
  etcdPeer: 2380,
  apiServer: 6443,
  scheduler: 10259,
  controllerManager: 10257,
  kubelet: 10250,
  kubeletHealthz: 10248,
  kubeProxyHealthz: 10256,
  kubeProxyMetrics: 10249,
  /** Corral's pod network daemon (no upstream port: next to the controller-manager's) */
  podNetworkHealthz: 10258,
  /** as ingress-nginx */
  ingressHealthz: 10254,
  ingressHttp: 80,
  ingressHttps: 443,
  /** CoreDNS: DNS, its health and ready plugins' defaults */
  dns: 53,
  dnsHealth: 8080,
  dnsReady: 8181,
} as const;
