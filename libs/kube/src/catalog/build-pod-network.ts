import type { ComponentSpec } from '@corral/contracts';
import type { HostComponentsInput, PodNetworkInput } from './catalog-input';
import { PORTS } from './component-ports';
import { probe, toArgs } from './spec-parts';

/**
 * Corral's host-gw pod network on a worker: routes to every other worker's pod CIDR via that
 * host's address, forwarding and bridge netfilter on, and masquerade only for traffic leaving
 * the cluster network. The bridge itself is containerd's CNI config (buildContainerd).
 */
export function buildPodNetwork(input: HostComponentsInput): ComponentSpec {
  const network = requirePodNetwork(input);
  return {
    name: 'pod-network',
    kind: 'pod-network',
    binary: 'corral-pod-network',
    args: [
      ...toArgs({
        'cluster-cidr': input.environment.networking.clusterCidr,
        'node-cidr': network.nodeCidr,
        'bind-address': '${address}',
        'healthz-port': PORTS.podNetworkHealthz,
      }),
      // sorted, so the same peers always render the same spec
      ...[...network.routes].sort((a, b) => a.cidr.localeCompare(b.cidr)).map((r) => `--route=${r.cidr}=${r.via}`),
    ],
    files: [],
    ports: [PORTS.podNetworkHealthz],
    probe: probe(input, { type: 'http', port: PORTS.podNetworkHealthz, path: '/healthz' }),
    stopGracePeriodSeconds: 10,
  };
}

export function requirePodNetwork(input: HostComponentsInput): PodNetworkInput {
  if (!input.podNetwork) throw new Error(`worker ${input.host.hostname}: no pod CIDR allocated (podNetwork)`);
  return input.podNetwork;
}

/** The pod CIDR a written pod-network spec carries (the inverse of buildPodNetwork), if any. */
export function readNodeCidr(spec: ComponentSpec): string | undefined {
  const arg = spec.args.find((a) => a.startsWith('--node-cidr='));
  return arg?.slice('--node-cidr='.length);
}
