import type { ComponentSpec } from '@corral/contracts';
import { clusterTrustPem, type HostComponentsInput } from './catalog-input';
import { componentKubeconfigFile } from './component-kubeconfig';
import { PORTS } from './component-ports';
import { certificateFiles, dependsOn, inComponentDir, probe, publicFile, requirePki, secretFile, toArgs } from './spec-parts';

/** every node's pod CIDR is a /24 of the cluster CIDR (kubeadm's default for IPv4) */
export const NODE_CIDR_MASK_SIZE = 24;

/**
 * kube-controller-manager as kubeadm runs it, except that Corral, not it, allocates node pod
 * CIDRs (the same blocks the hosts' CNI bridges and routes use): signs CSRs with the
 * cluster CA (the new one from the reissue phase of a CA rotation on) and mints service-account tokens with the environment's signing key.
 */
export function buildKubeControllerManager(input: HostComponentsInput): ComponentSpec {
  const { host, cas, environment } = input;
  const pki = requirePki(input.pki['kube-controller-manager'], 'kube-controller-manager', host.hostname);
  const kubeconfig = inComponentDir('kubeconfig');
  return {
    name: 'kube-controller-manager',
    kind: 'kube-controller-manager',
    binary: 'kube-controller-manager',
    args: toArgs({
      'bind-address': '${address}',
      'secure-port': PORTS.controllerManager,
      kubeconfig,
      'authentication-kubeconfig': kubeconfig,
      'authorization-kubeconfig': kubeconfig,
      'client-ca-file': inComponentDir('ca.crt'),
      'requestheader-client-ca-file': inComponentDir('front-proxy-ca.crt'),
      'tls-cert-file': inComponentDir('serving.crt'),
      'tls-private-key-file': inComponentDir('serving.key'),
      'leader-elect': true,
      'cluster-name': environment.name,
      // Corral's IPAM gives each node its pod CIDR (and writes it into the Node object)
      'allocate-node-cidrs': false,
      'cluster-cidr': environment.networking.clusterCidr,
      'node-cidr-mask-size': NODE_CIDR_MASK_SIZE,
      'service-cluster-ip-range': environment.networking.serviceCidr,
      // one certificate, the signing CA's (ca.crt is the trust bundle: two CAs during a CA rotation)
      'cluster-signing-cert-file': inComponentDir('signing-ca.crt'),
      'cluster-signing-key-file': inComponentDir('ca.key'),
      'root-ca-file': inComponentDir('ca.crt'),
      'service-account-private-key-file': inComponentDir('sa.key'),
      'use-service-account-credentials': true,
    }),
    files: [
      componentKubeconfigFile(input, 'kube-controller-manager', pki.client),
      publicFile('ca.crt', clusterTrustPem(input)),
      publicFile('signing-ca.crt', cas.clusterCa.certPem),
      secretFile('ca.key', cas.clusterCa.keyPem),
      publicFile('front-proxy-ca.crt', cas.frontProxyCa.certPem),
      secretFile('sa.key', cas.serviceAccount.privateKeyPem),
      ...certificateFiles('serving', pki.serving),
    ],
    ports: [PORTS.controllerManager],
    probe: probe(input, { type: 'https', port: PORTS.controllerManager, path: '/healthz', caFile: inComponentDir('ca.crt') }),
    ...dependsOn(input, 'kube-apiserver'),
    stopGracePeriodSeconds: 10,
  };
}
