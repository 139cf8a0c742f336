import type { ComponentSpec } from '@corral/contracts';
import type { HostComponentsInput } from './catalog-input';
import { componentKubeconfigFile } from './component-kubeconfig';
import { PORTS } from './component-ports';
import { dependsOn, inComponentDir, probe, requirePki, toArgs } from './spec-parts';

/**
 * kube-proxy configured by flags, not a KubeProxyConfiguration file: with --config upstream
 * ignores --kubeconfig and reads clientConnection.kubeconfig from the file without resolving
 * relative paths, and the agent does not expand ${componentDir} inside file contents, so no
 * file could name the kubeconfig reliably. Flags carry the same settings (as k3s does).
 */
export function buildKubeProxy(input: HostComponentsInput): ComponentSpec {
  const { host, environment } = input;
  const pki = requirePki(input.pki['kube-proxy'], 'kube-proxy', host.hostname);
  return {
    name: 'kube-proxy',
    kind: 'kube-proxy',
    binary: 'kube-proxy',
    args: toArgs({
      kubeconfig: inComponentDir('kubeconfig'),
      'hostname-override': host.hostname,
      'bind-address': '${address}',
      'healthz-bind-address': `\${address}:${PORTS.kubeProxyHealthz}`,
      'metrics-bind-address': `\${address}:${PORTS.kubeProxyMetrics}`,
      'cluster-cidr': environment.networking.clusterCidr,
      'proxy-mode': 'iptables',
      // leave nf_conntrack_max to the machine: it is not writable from a host's network namespace
      'conntrack-max-per-core': 0,
    }),
    files: [componentKubeconfigFile(input, 'kube-proxy', pki.client)],
    ports: [PORTS.kubeProxyHealthz, PORTS.kubeProxyMetrics],
    probe: probe(input, { type: 'http', port: PORTS.kubeProxyHealthz, path: '/healthz' }),
    ...dependsOn(input, 'kube-apiserver'),
    stopGracePeriodSeconds: 10,
    // kube-proxy leaves its KUBE-* chains behind when it stops; removed with the component
    teardown: [{ when: 'after-stop', command: ['${binDir}/kube-proxy', '--cleanup'], timeoutSeconds: 30 }],
  };
}
