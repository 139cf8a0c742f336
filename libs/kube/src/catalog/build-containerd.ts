import type { ComponentSpec } from '@corral/contracts';
import type { HostComponentsInput } from './catalog-input';
import { containerdSocket, SANDBOX_IMAGE } from './container-runtime';
import { probe, publicFile, toArgs } from './spec-parts';

/** CNI plugins as Debian's containernetworking-plugins installs them */
export const DEFAULT_CNI_BIN_DIR = '/usr/lib/cni';

/**
 * containerd 2.x as the kubelet's CRI runtime: root, state, socket and CNI directories all
 * under the component's data dir, so several hosts can share one machine. The pod network is a
 * bridge per host; containerd writes the conflist from `cni.conf` once the kubelet passes the
 * node's pod CIDR (the one the Node object carries). runc runs with cgroupfs (cgroup v1 hosts).
 */
export function buildContainerd(input: HostComponentsInput): ComponentSpec {
  const cniBinDir = input.options?.containerd?.cniBinDir ?? DEFAULT_CNI_BIN_DIR;
  return {
    name: 'containerd',
    kind: 'containerd',
    binary: 'containerd',
    args: toArgs({ config: '${componentDir}/config.toml' }),
    files: [
      { ...publicFile('config.toml', containerdConfig(cniBinDir)), expandContent: true },
      { ...publicFile('cni.conf', JSON.stringify(cniTemplate(), null, 2)), expandContent: true },
    ],
    ports: [],
    // `ctr version` answers only when containerd's gRPC API does
    probe: probe(input, { type: 'exec', command: ['${binDir}/ctr', '--address', containerdSocket('containerd'), '--timeout', '2s', 'version'] }),
    // running containers belong to their shims, not to containerd: stopping it leaves pods running
    stopGracePeriodSeconds: 10,
  };
}

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

[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = ["${cniBinDir}"]
  conf_dir = "\${dataDir}/cni/net.d"
  conf_template = "\${componentDir}/cni.conf"
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

/** bridge + host-local on the node's pod CIDR ({{.PodCIDR}} is containerd's template field) */
function cniTemplate(): object {
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
          ranges: [[{ subnet: '{{.PodCIDR}}' }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: '${dataDir}/cni/ipam',
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}
