import { API_PROXY_USER, CLUSTER_DNS_USER, INGRESS_CONTROLLER_USER } from '../bootstrap/cluster-bootstrap-objects';
import { isIP } from 'node:net';
import type { LeafCertificateRequest } from './pki-types';

/**
 * Subjects, usages and SANs of every certificate an environment needs, named as kubeadm
 * names them, so RBAC's built-in bindings (system:kube-scheduler, system:nodes, ...) apply.
 */
export interface PkiHost {
  hostname: string;
  address: string;
}

export interface ApiServerCertificateOptions {
  /** addresses of every control-plane host, so one cert serves through any of them */
  controlPlaneAddresses: string[];
  serviceCidr: string;
  clusterDomain: string;
  /** extra DNS names or IPs, e.g. of a load balancer in front of the apiservers */
  extraSans?: string[];
}

const LOOPBACK_IP = '127.0.0.1';
const LOCALHOST = 'localhost';

function hostSans(host: PkiHost): Pick<LeafCertificateRequest, 'dnsNames' | 'ipAddresses'> {
  return { dnsNames: [host.hostname, LOCALHOST], ipAddresses: [host.address, LOOPBACK_IP] };
}

export const certificateProfiles = {
  /** used for both the client-facing (2379) and the peer (2380) certificate, each with its own key */
  etcdMember: (host: PkiHost): LeafCertificateRequest => ({
    ca: 'etcd',
    commonName: host.hostname,
    usages: ['server', 'client'],
    ...hostSans(host),
  }),
  etcdHealthcheckClient: (): LeafCertificateRequest => ({
    ca: 'etcd',
    commonName: 'kube-etcd-healthcheck-client',
    usages: ['client'],
  }),
  apiServerEtcdClient: (): LeafCertificateRequest => ({
    ca: 'etcd',
    commonName: 'kube-apiserver-etcd-client',
    usages: ['client'],
  }),
  apiServer: (host: PkiHost, options: ApiServerCertificateOptions): LeafCertificateRequest => {
    const extra = options.extraSans ?? [];
    return {
      ca: 'cluster',
      commonName: 'kube-apiserver',
      usages: ['server'],
      dnsNames: [
        host.hostname,
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        `kubernetes.default.svc.${options.clusterDomain}`,
        LOCALHOST,
        ...extra.filter((value) => isIP(value) === 0),
      ],
      ipAddresses: [
        host.address,
        ...options.controlPlaneAddresses,
        LOOPBACK_IP,
        firstServiceIp(options.serviceCidr),
        ...extra.filter((value) => isIP(value) !== 0),
      ],
    };
  },
  apiServerKubeletClient: (): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: 'kube-apiserver-kubelet-client',
    organizations: ['system:masters'],
    usages: ['client'],
  }),
  frontProxyClient: (): LeafCertificateRequest => ({
    ca: 'front-proxy',
    commonName: 'front-proxy-client',
    usages: ['client'],
  }),
  /** the Corral server's Kubernetes API proxy: RBAC lets it impersonate and nothing else */
  apiProxy: (): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: API_PROXY_USER,
    usages: ['client'],
  }),
  admin: (): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: 'kubernetes-admin',
    organizations: ['system:masters'],
    usages: ['client'],
  }),
  scheduler: (): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: 'system:kube-scheduler',
    usages: ['client'],
  }),
  controllerManager: (): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: 'system:kube-controller-manager',
    usages: ['client'],
  }),
  /** serving cert of a component's own secure port (scheduler 10259, controller-manager 10257) */
  componentServing: (host: PkiHost, component: string): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: `${component}@${host.hostname}`,
    usages: ['server'],
    ...hostSans(host),
  }),
  kubeletClient: (host: PkiHost): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: `system:node:${host.hostname}`,
    organizations: ['system:nodes'],
    usages: ['client'],
  }),
  kubeletServing: (host: PkiHost): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: `system:node:${host.hostname}`,
    organizations: ['system:nodes'],
    usages: ['server'],
    dnsNames: [host.hostname],
    ipAddresses: [host.address],
  }),
  kubeProxy: (): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: 'system:kube-proxy',
    usages: ['client'],
  }),
  ingressController: (): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: INGRESS_CONTROLLER_USER,
    usages: ['client'],
  }),
  clusterDns: (): LeafCertificateRequest => ({
    ca: 'cluster',
    commonName: CLUSTER_DNS_USER,
    usages: ['client'],
  }),
};

/** The first usable address of an IPv4 CIDR: the `kubernetes` service's cluster IP (10.43.0.0/16 -> 10.43.0.1). */
export function firstServiceIp(serviceCidr: string): string {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(serviceCidr.trim());
  if (!match) throw new Error(`service CIDR ${serviceCidr} is not an IPv4 CIDR`);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 30) throw new Error(`service CIDR ${serviceCidr} is invalid`);
  const base = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const first = ((base & mask) >>> 0) + 1;
  return [24, 16, 8, 0].map((shift) => (first >>> shift) & 0xff).join('.');
}
