import type { CatalogOptions, HostComponentsInput } from '@corral/kube';
import type { HostPodNetwork } from '@corral/domain';
import type { EnvironmentSecrets } from '../environment-secrets';
import { hostAddress, type ReconcileEnvironment, type ReconcileHost } from './reconcile-view';

export const APISERVER_PORT = 6443;
export const apiServerUrl = (host: Pick<ReconcileHost, 'addresses'>): string => `https://${hostAddress(host)}:${APISERVER_PORT}`;

export interface CatalogInputParts {
  secrets: EnvironmentSecrets;
  options: CatalogOptions;
  apiServerEndpoints: string[];
  podNetwork?: HostPodNetwork;
}

/** Everything buildHostComponents needs about one host of an environment, but its kinds and its etcd join. */
export function hostCatalogInput(
  env: Pick<ReconcileEnvironment, 'id' | 'name' | 'kubernetesVersion' | 'networking'>,
  host: Pick<ReconcileHost, 'id' | 'hostname' | 'addresses'>,
  parts: CatalogInputParts,
): Omit<HostComponentsInput, 'kinds' | 'etcd'> {
  return {
    environment: { id: env.id, name: env.name, kubernetesVersion: env.kubernetesVersion, networking: env.networking },
    host: { id: host.id, hostname: host.hostname, address: hostAddress(host) },
    apiServerEndpoints: parts.apiServerEndpoints,
    cas: parts.secrets.cas,
    ...(parts.secrets.clusterCaBundlePem ? { clusterCaBundlePem: parts.secrets.clusterCaBundlePem } : {}),
    pki: parts.secrets.hosts[host.id]!,
    options: parts.options,
    ...(parts.podNetwork ? { podNetwork: parts.podNetwork } : {}),
  };
}
