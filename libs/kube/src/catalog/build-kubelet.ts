import type { ComponentSpec } from '@corral/contracts';
import { stringify } from 'yaml';
import type { HostComponentsInput } from './catalog-input';
import { componentKubeconfigFile } from './component-kubeconfig';
import { PORTS } from './component-ports';
import { certificateFiles, dependsOn, inComponentDir, probe, publicFile, requirePki, toArgs } from './spec-parts';

export const DEFAULT_CONTAINER_RUNTIME_ENDPOINT = 'unix:///run/containerd/containerd.sock';

/**
 * kubelet configured through a KubeletConfiguration file. File contents are not
 * placeholder-expanded by the agent, so the file holds the host's literal address, and its
 * certificate paths are relative: the kubelet resolves them against the config file's directory.
 * The node name is the host's hostname, the name its client certificate was issued for.
 */
export function buildKubelet(input: HostComponentsInput): ComponentSpec {
  const { host, cas, environment } = input;
  const pki = requirePki(input.pki.kubelet, 'kubelet', host.hostname);
  const options = input.options?.kubelet ?? {};
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: host.address,
    port: PORTS.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: host.address,
    healthzPort: PORTS.kubeletHealthz,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: 'ca.crt' },
    },
    authorization: { mode: 'Webhook' },
    clusterDomain: environment.networking.clusterDomain,
    clusterDNS: [environment.networking.dnsServiceIp],
    tlsCertFile: 'serving.crt',
    tlsPrivateKeyFile: 'serving.key',
    rotateCertificates: false,
    serverTLSBootstrap: false,
    cgroupDriver: options.cgroupDriver ?? 'systemd',
    containerRuntimeEndpoint: options.containerRuntimeEndpoint ?? DEFAULT_CONTAINER_RUNTIME_ENDPOINT,
  };
  return {
    name: 'kubelet',
    kind: 'kubelet',
    binary: 'kubelet',
    args: toArgs({
      config: inComponentDir('config.yaml'),
      kubeconfig: inComponentDir('kubeconfig'),
      'hostname-override': host.hostname,
      'node-ip': host.address,
      // several kubelets may share a machine: keep each one's state in its own data dir
      'root-dir': '${dataDir}',
      'cert-dir': '${dataDir}/pki',
    }),
    files: [
      publicFile('config.yaml', stringify(config)),
      componentKubeconfigFile(input, 'kubelet', pki.client),
      publicFile('ca.crt', cas.clusterCa.certPem),
      ...certificateFiles('serving', pki.serving),
    ],
    ports: [PORTS.kubelet, PORTS.kubeletHealthz],
    probe: probe(input, { type: 'http', port: PORTS.kubeletHealthz, path: '/healthz' }),
    ...dependsOn(input, 'kube-apiserver'),
    stopGracePeriodSeconds: 10,
  };
}
