import type { ComponentSpec } from '@corral/contracts';
import { clusterTrustPem, type HostComponentsInput } from './catalog-input';
import { componentKubeconfigFile } from './component-kubeconfig';
import { PORTS } from './component-ports';
import { certificateFiles, dependsOn, inComponentDir, probe, publicFile, requirePki, toArgs } from './spec-parts';

/**
 * kube-scheduler with a CA-signed serving cert on its secure port, so the agent's probe can
 * verify it (/healthz is in the default --authorization-always-allow-paths).
 */
export function buildKubeScheduler(input: HostComponentsInput): ComponentSpec {
  const { host, cas } = input;
  const pki = requirePki(input.pki['kube-scheduler'], 'kube-scheduler', host.hostname);
  const kubeconfig = inComponentDir('kubeconfig');
  return {
    name: 'kube-scheduler',
    kind: 'kube-scheduler',
    binary: 'kube-scheduler',
    args: toArgs({
      'bind-address': '${address}',
      'secure-port': PORTS.scheduler,
      kubeconfig,
      'authentication-kubeconfig': kubeconfig,
      'authorization-kubeconfig': kubeconfig,
      'client-ca-file': inComponentDir('ca.crt'),
      'requestheader-client-ca-file': inComponentDir('front-proxy-ca.crt'),
      'tls-cert-file': inComponentDir('serving.crt'),
      'tls-private-key-file': inComponentDir('serving.key'),
      'leader-elect': true,
    }),
    files: [
      componentKubeconfigFile(input, 'kube-scheduler', pki.client),
      publicFile('ca.crt', clusterTrustPem(input)),
      publicFile('front-proxy-ca.crt', cas.frontProxyCa.certPem),
      ...certificateFiles('serving', pki.serving),
    ],
    ports: [PORTS.scheduler],
    probe: probe(input, { type: 'https', port: PORTS.scheduler, path: '/healthz', caFile: inComponentDir('ca.crt') }),
    ...dependsOn(input, 'kube-apiserver'),
    stopGracePeriodSeconds: 10,
  };
}
