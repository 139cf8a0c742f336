import type { ComponentSpec } from '@corral/contracts';
import { INGRESS_CLASS } from '../bootstrap/cluster-bootstrap-objects';
import type { HostComponentsInput } from './catalog-input';
import { componentKubeconfigFile } from './component-kubeconfig';
import { PORTS } from './component-ports';
import { dependsOn, inComponentDir, probe, requirePki, toArgs } from './spec-parts';

/**
 * Corral's own ingress controller; health on 10254 as ingress-nginx, traffic on the host's
 * address through the HAProxy it runs (master-worker, its configuration in the component's
 * directory). `haproxy` is found on the component's PATH: the agent's bin dir, then /usr/sbin.
 */
export function buildIngressController(input: HostComponentsInput): ComponentSpec {
  const { host } = input;
  const pki = requirePki(input.pki['ingress-controller'], 'ingress-controller', host.hostname);
  const httpPort = input.options?.ingress?.httpPort ?? PORTS.ingressHttp;
  const httpsPort = input.options?.ingress?.httpsPort ?? PORTS.ingressHttps;
  return {
    name: 'ingress-controller',
    kind: 'ingress-controller',
    binary: 'corral-ingress-controller',
    args: toArgs({
      kubeconfig: inComponentDir('kubeconfig'),
      'bind-address': '${address}',
      'http-port': httpPort,
      'https-port': httpsPort,
      'healthz-port': PORTS.ingressHealthz,
      // the default class: Ingresses of class corral and those without a class
      'ingress-class': INGRESS_CLASS,
      haproxy: 'haproxy',
      'run-dir': '${componentDir}',
    }),
    files: [componentKubeconfigFile(input, 'ingress-controller', pki.client)],
    ports: [httpPort, httpsPort, PORTS.ingressHealthz],
    probe: probe(input, { type: 'http', port: PORTS.ingressHealthz, path: '/healthz' }),
    ...dependsOn(input, 'kube-apiserver'),
    stopGracePeriodSeconds: 10,
  };
}
