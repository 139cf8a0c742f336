/** The Node object a kubelet registers and the status it keeps fresh (pure). */

export interface NodeIdentity {
  name: string;
  nodeIP: string;
  hostname: string;
  kubeletPort: number;
  kubeletVersion: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  cpus: number;
  memoryBytes: number;
  maxPods: number;
  providerID?: string;
  podCIDR?: string;
}

const CONDITIONS: [string, string, string][] = [
  ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'KubeletReady', 'kubelet is posting ready status'],
];

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function nodeConditions(heartbeat: Date, transition: Date): Record<string, string>[] {
  return CONDITIONS.map(([type, reason, message]) => ({
    type,
    status: type === 'Ready' ? 'True' : 'False',
    lastHeartbeatTime: iso(heartbeat),
    lastTransitionTime: iso(transition),
    reason,
    message,
  }));
}

export function nodeStatus(id: NodeIdentity, heartbeat: Date, transition: Date): Record<string, unknown> {
  const resources = { cpu: String(id.cpus), memory: `${Math.floor(id.memoryBytes / 1024)}Ki`, pods: String(id.maxPods), 'ephemeral-storage': '10Gi' };
  return {
    conditions: nodeConditions(heartbeat, transition),
    addresses: [
      { type: 'InternalIP', address: id.nodeIP },
      { type: 'Hostname', address: id.hostname },
    ],
    capacity: resources,
    allocatable: resources,
    daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: '',
      osImage: 'Linux',
      containerRuntimeVersion: 'containerd://1.7.24',
      kubeletVersion: id.kubeletVersion,
      kubeProxyVersion: id.kubeletVersion,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

export function nodeObject(id: NodeIdentity, now: Date): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (id.taints.length) spec.taints = id.taints;
  if (id.providerID) spec.providerID = id.providerID;
  if (id.podCIDR) {
    spec.podCIDR = id.podCIDR;
    spec.podCIDRs = [id.podCIDR];
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': id.hostname,
        'kubernetes.io/os': 'linux',
        ...id.labels,
      },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec,
    status: nodeStatus(id, now, now),
  };
}
