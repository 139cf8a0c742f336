import type { ComponentSpec } from '@corral/contracts';
import type { HostComponentsInput } from './catalog-input';
import { containerdSocket, SANDBOX_IMAGE } from './container-runtime';
import { requirePodNetwork } from './build-pod-network';
import { probe, publicFile, TEARDOWN, toArgs } from './spec-parts';

/** CNI plugins as Debian's containernetworking-plugins installs them */
export const DEFAULT_CNI_BIN_DIR = '/usr/lib/cni';

/**
 * containerd 2.x as the kubelet's CRI runtime: root, state, socket and CNI directories all
 * under the component's data dir, so several hosts can share one machine. The pod network is a
 * bridge per host on the pod CIDR Corral's IPAM gave the host (the server writes the same CIDR
 * into the Node object); routes between hosts are the pod-network component's. runc runs with
 * cgroupfs (cgroup v1 hosts).
 */
export function buildContainerd(input: HostComponentsInput): ComponentSpec {
  const cniBinDir = input.options?.containerd?.cniBinDir ?? DEFAULT_CNI_BIN_DIR;
  const { nodeCidr } = requirePodNetwork(input);
  return {
    name: 'containerd',
    kind: 'containerd',
    binary: 'containerd',
    args: toArgs({ config: '${componentDir}/config.toml' }),
    files: [
      { ...publicFile('config.toml', containerdConfig(cniBinDir)), expandContent: true },
      { ...publicFile(`${CNI_CONF_DIR}/10-corral.conflist`, JSON.stringify(cniConflist(nodeCidr), null, 2)), expandContent: true },
    ],
    ports: [],
    probe: probe(input, { type: 'exec', command: [CRI_CHECK, '--address', containerdSocket('containerd'), '--timeout', '2s'] }),
    teardown: [
      // kill and delete every task and container of the k8s.io namespace while containerd still answers
      { when: 'before-stop', command: [TEARDOWN, 'containers', '--address', containerdSocket('containerd')], timeoutSeconds: 60 },
      // its shims, the pods' bridge cni0, the kubelet's pod cgroups
      { when: 'after-stop', command: [TEARDOWN, 'pod-network', '--address', containerdSocket('containerd')], timeoutSeconds: 30 },
    ],
    // running containers belong to their shims, not to containerd: stopping it leaves pods running
    stopGracePeriodSeconds: 10,
  };
}

/**
 * Healthy when containerd answers and its CRI plugin loaded (bin/corral-cri-check: `ctr plugins ls`
 * read by awk; an exec probe may run only what is in the agent's --bin-dir, never /bin/sh).
 */
export const CRI_CHECK = 'corral-cri-check';

function containerdConfig(cniBinDir: string): string {
  return `version = 3
root = "\${dataDir}/root"
state = "\${dataDir}/state"
temp = "\${dataDir}/tmp"
plugin_dir = ""
disabled_plugins = ["io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${containerdSocket('containerd')}"

[ttrpc]
  address = "${containerdSocket('containerd')}.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins.'io.containerd.internal.v1.opt']
  path = "\${dataDir}/opt"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = "${SANDBOX_IMAGE}"

[plugins.'io.containerd.cri.v1.runtime']
  enable_selinux = false
  # pod network namespaces pinned under the data dir, so removing the host's containerd finds them
  netns_mounts_under_state_dir = true
  # the kubelet asks for -998 on sandboxes; a host whose root lacks CAP_SYS_RESOURCE (containers,
  # sandboxes like this project's machines) cannot lower oom_score_adj below containerd's own
  restrict_oom_score_adj = true

[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = ["${cniBinDir}"]
  conf_dir = "\${componentDir}/${CNI_CONF_DIR}"
  max_conf_num = 1

[plugins.'io.containerd.cri.v1.runtime'.containerd]
  default_runtime_name = "runc"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = false

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;
}

/** the conflist's directory, inside the component dir: the agent writes it with the spec */
const CNI_CONF_DIR = 'cni';

/** bridge + host-local on the host's pod CIDR */
function cniConflist(nodeCidr: string): object {
  return {
    cniVersion: '1.0.0',
    name: 'corral',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        hairpinMode: true,
        // masquerading of traffic leaving the cluster network is the host's rule, not the bridge's
        ipMasq: false,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: nodeCidr }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: '${dataDir}/cni/ipam',
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}
