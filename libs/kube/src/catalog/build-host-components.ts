import { COMPONENT_KINDS, type ComponentKind, type ComponentSpec } from '@corral/contracts';
import { buildClusterDns } from './build-cluster-dns';
import { buildContainerd } from './build-containerd';
import { buildEtcd } from './build-etcd';
import { buildPodNetwork } from './build-pod-network';
import { buildIngressController } from './build-ingress-controller';
import { buildKubeApiServer } from './build-kube-apiserver';
import { buildKubeControllerManager } from './build-kube-controller-manager';
import { buildKubeProxy } from './build-kube-proxy';
import { buildKubeScheduler } from './build-kube-scheduler';
import { buildKubelet } from './build-kubelet';
import type { HostComponentsInput } from './catalog-input';
import { toKubernetesVersion, type KubernetesVersion } from './kubernetes-versions';

export type ComponentBuilder = (input: HostComponentsInput) => ComponentSpec;

/** The builder of each component kind for each supported version; a version whose flags diverge gets its own builders here. */
const BUILDERS: Record<ComponentKind, ComponentBuilder> = {
  etcd: buildEtcd,
  'kube-apiserver': buildKubeApiServer,
  'kube-scheduler': buildKubeScheduler,
  'kube-controller-manager': buildKubeControllerManager,
  'ingress-controller': buildIngressController,
  containerd: buildContainerd,
  'pod-network': buildPodNetwork,
  kubelet: buildKubelet,
  'kube-proxy': buildKubeProxy,
  'cluster-dns': buildClusterDns,
};
const CATALOG: Record<KubernetesVersion, Record<ComponentKind, ComponentBuilder>> = {
  'v1.36': BUILDERS,
};

/** The spec of one component kind on one host. */
export function buildComponent(kind: ComponentKind, input: HostComponentsInput): ComponentSpec {
  const version = toKubernetesVersion(input.environment.kubernetesVersion);
  return CATALOG[version][kind](input);
}

/** Every component placed on the host, in start order (etcd, apiserver, then the rest). */
export function buildHostComponents(input: HostComponentsInput): ComponentSpec[] {
  for (const kind of input.kinds) {
    if (!COMPONENT_KINDS.includes(kind)) throw new Error(`unknown component kind ${kind}`);
  }
  return COMPONENT_KINDS.filter((kind) => input.kinds.includes(kind)).map((kind) => buildComponent(kind, input));
}
