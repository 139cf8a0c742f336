import type { ComponentSpec } from '@corral/contracts';
import { stringify } from 'yaml';
import { CLUSTER_DNS_LINK_LOCAL } from './build-cluster-dns';
import { clusterTrustPem, type HostComponentsInput } from './catalog-input';
import { componentKubeconfigFile } from './component-kubeconfig';
import { PORTS } from './component-ports';
import { containerdSocket } from './container-runtime';
import { certificateFiles, dependsOn, inComponentDir, probe, publicFile, requirePki, TEARDOWN, toArgs } from './spec-parts';

/** the host's own containerd (the containerd component), as the kubelet names it */
export const DEFAULT_CONTAINER_RUNTIME_ENDPOINT = `unix://${containerdSocket('other')}`;

/**
 * kubelet configured through a KubeletConfiguration file whose placeholders the agent expands
 * (per-host paths); certificate paths are relative: the kubelet resolves them against the config
 * file's directory. The node name is the host's hostname, the name its client certificate was
 * issued for. These machines run cgroup v1, which kubelet 1.35+ refuses unless failCgroupV1 is
 * false; the cgroup driver is cgroupfs, as containerd's runc runtime is configured.
 */
export function buildKubelet(input: HostComponentsInput): ComponentSpec {
  const { host, environment } = input;
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
    // the host's own CoreDNS when it runs one (per-host DNS), else the kube-dns Service
    clusterDNS: [input.kinds.includes('cluster-dns') ? CLUSTER_DNS_LINK_LOCAL : environment.networking.dnsServiceIp],
    tlsCertFile: 'serving.crt',
    tlsPrivateKeyFile: 'serving.key',
    rotateCertificates: false,
    serverTLSBootstrap: false,
    cgroupDriver: options.cgroupDriver ?? 'cgroupfs',
    failCgroupV1: false,
    containerRuntimeEndpoint: options.containerRuntimeEndpoint ?? DEFAULT_CONTAINER_RUNTIME_ENDPOINT,
    // several kubelets may share a test machine: pod logs under the kubelet's own data dir
    podLogsDir: '${dataDir}/pod-logs',
    failSwapOn: false,
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
      { ...publicFile('config.yaml', stringify(config)), expandContent: true },
      componentKubeconfigFile(input, 'kubelet', pki.client),
      publicFile('ca.crt', clusterTrustPem(input)),
      ...certificateFiles('serving', pki.serving),
    ],
    ports: [PORTS.kubelet, PORTS.kubeletHealthz],
    probe: probe(input, { type: 'http', port: PORTS.kubeletHealthz, path: '/healthz' }),
    ...dependsOn(input, 'kube-apiserver', 'containerd'),
    stopGracePeriodSeconds: 10,
    // the jumps to and the chains the kubelet creates itself (KUBE-FIREWALL, KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT), IPv4 and IPv6
    teardown: [{ when: 'after-stop', command: [TEARDOWN, 'kubelet-chains'], timeoutSeconds: 30 }],
  };
}
