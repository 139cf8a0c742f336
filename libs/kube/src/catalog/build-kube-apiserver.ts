import type { ComponentSpec } from '@corral/contracts';
import { clusterTrustPem, type HostComponentsInput } from './catalog-input';
import { PORTS } from './component-ports';
import { certificateFiles, dependsOn, httpsUrl, inComponentDir, probe, probeTiming, publicFile, requirePki, secretFile, toArgs } from './spec-parts';

/** kube-apiserver as kubeadm configures it, bound to the host's address and talking to every etcd member. */
export function buildKubeApiServer(input: HostComponentsInput): ComponentSpec {
  const { host, environment, cas } = input;
  const pki = requirePki(input.pki['kube-apiserver'], 'kube-apiserver', host.hostname);
  const { networking } = environment;
  if (input.etcd.members.length === 0) throw new Error(`kube-apiserver on ${host.hostname}: no etcd members`);

  return {
    name: 'kube-apiserver',
    kind: 'kube-apiserver',
    binary: 'kube-apiserver',
    args: toArgs({
      'advertise-address': '${address}',
      'bind-address': '${address}',
      'secure-port': PORTS.apiServer,
      'allow-privileged': true,
      'audit-log-maxbackup': 2,
      'audit-log-maxsize': 50,
      'audit-log-path': '${dataDir}/audit.log',
      'audit-policy-file': inComponentDir('audit-policy.yaml'),
      'authorization-mode': 'Node,RBAC',
      'enable-admission-plugins': 'NodeRestriction',
      'client-ca-file': inComponentDir('ca.crt'),
      'tls-cert-file': inComponentDir('apiserver.crt'),
      'tls-private-key-file': inComponentDir('apiserver.key'),
      'etcd-servers': etcdServers(input),
      'etcd-cafile': inComponentDir('etcd-ca.crt'),
      'etcd-certfile': inComponentDir('apiserver-etcd-client.crt'),
      'etcd-keyfile': inComponentDir('apiserver-etcd-client.key'),
      'kubelet-certificate-authority': inComponentDir('ca.crt'),
      'kubelet-client-certificate': inComponentDir('apiserver-kubelet-client.crt'),
      'kubelet-client-key': inComponentDir('apiserver-kubelet-client.key'),
      'kubelet-preferred-address-types': 'InternalIP,ExternalIP,Hostname',
      'proxy-client-cert-file': inComponentDir('front-proxy-client.crt'),
      'proxy-client-key-file': inComponentDir('front-proxy-client.key'),
      'requestheader-client-ca-file': inComponentDir('front-proxy-ca.crt'),
      'requestheader-allowed-names': 'front-proxy-client',
      'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
      'requestheader-group-headers': 'X-Remote-Group',
      'requestheader-username-headers': 'X-Remote-User',
      'service-account-issuer': `https://kubernetes.default.svc.${networking.clusterDomain}`,
      'service-account-key-file': inComponentDir('sa.pub'),
      'service-account-signing-key-file': inComponentDir('sa.key'),
      'service-cluster-ip-range': networking.serviceCidr,
    }),
    files: [
      publicFile('ca.crt', clusterTrustPem(input)),
      publicFile('etcd-ca.crt', cas.etcdCa.certPem),
      publicFile('front-proxy-ca.crt', cas.frontProxyCa.certPem),
      ...certificateFiles('apiserver', pki.serving),
      ...certificateFiles('apiserver-etcd-client', pki.etcdClient),
      ...certificateFiles('apiserver-kubelet-client', pki.kubeletClient),
      ...certificateFiles('front-proxy-client', pki.frontProxyClient),
      publicFile('audit-policy.yaml', AUDIT_POLICY),
      publicFile('sa.pub', cas.serviceAccount.publicKeyPem),
      secretFile('sa.key', cas.serviceAccount.privateKeyPem),
    ],
    ports: [PORTS.apiServer],
    // /readyz is open to anonymous users upstream; presenting a client cert also works where anonymous auth is off
    probe: probe(input, {
      type: 'https',
      port: PORTS.apiServer,
      path: '/readyz',
      caFile: inComponentDir('ca.crt'),
      certFile: inComponentDir('apiserver-kubelet-client.crt'),
      keyFile: inComponentDir('apiserver-kubelet-client.key'),
      // twice the others' patience: /readyz also fails while etcd elects a leader or rolls
      failureThreshold: 2 * probeTiming(input).failureThreshold,
    }),
    ...dependsOn(input, 'etcd'),
    stopGracePeriodSeconds: 30,
  };
}

/**
 * Who did what, at Metadata level (no bodies: they hold Secrets), for people and API keys: the
 * control plane's own chatter (nodes, controllers, scheduler, proxies, health checks) is left
 * out so the log keeps what an operator audits. The proxy's callers appear as corral:key:<name>.
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    users: [system:apiserver, system:kube-scheduler, system:kube-controller-manager, system:kube-proxy, corral:ingress-controller]
  - level: None
    userGroups: [system:nodes, system:serviceaccounts:kube-system]
  - level: None
    nonResourceURLs: [/healthz*, /livez*, /readyz*, /version]
  - level: None
    resources: [{ group: coordination.k8s.io, resources: [leases] }, { group: '', resources: [events] }]
  - level: Metadata
`;

/**
 * The etcd member on this host alone when there is one (a stacked control plane, as kubeadm runs
 * it): an apiserver whose etcd client also spread requests over remote members hangs for the
 * client's keepalive timeout (~10 s) when one of those hosts is cut off, while an apiserver that
 * loses its own member is simply unhealthy and the server's API proxy moves on. Apiservers on hosts
 * without a member get every member, by name.
 */
function etcdServers(input: HostComponentsInput): string {
  const local = input.etcd.members.filter((member) => member.address === input.host.address);
  const members = local.length > 0 ? local : [...input.etcd.members].sort((a, b) => a.name.localeCompare(b.name));
  return members.map((member) => httpsUrl(member.address, PORTS.etcdClient)).join(',');
}
