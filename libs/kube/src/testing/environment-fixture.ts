import type { ComponentKind } from '@corral/contracts';
import type { CatalogEnvironment, CatalogHost, HostComponentsInput } from '../catalog';
import { CertificateIssuer, createEnvironmentCas, issueHostPki, type EnvironmentCas } from '../pki';

/** Test-only: a five-host environment (three stacked control-plane + etcd hosts, two workers) with real PKI. */
export interface FixtureHost extends CatalogHost {
  kinds: ComponentKind[];
}

export const CONTROL_PLANE_KINDS: ComponentKind[] = [
  'etcd',
  'kube-apiserver',
  'kube-scheduler',
  'kube-controller-manager',
  'containerd',
  'pod-network',
  'kubelet',
  'kube-proxy',
  'cluster-dns',
];
export const WORKER_KINDS: ComponentKind[] = ['containerd', 'pod-network', 'kubelet', 'kube-proxy', 'cluster-dns', 'ingress-controller'];

export function fixtureEnvironment(kubernetesVersion = 'v1.36'): CatalogEnvironment {
  return {
    id: 'env-0001',
    name: 'ci',
    kubernetesVersion,
    networking: {
      clusterCidr: '10.42.0.0/16',
      serviceCidr: '10.43.0.0/16',
      clusterDomain: 'cluster.local',
      dnsServiceIp: '10.43.0.10',
    },
  };
}

export function fixtureHosts(addressPrefix = '127.0.0'): FixtureHost[] {
  return [
    { id: 'host-a', hostname: 'cp-a', address: `${addressPrefix}.2`, kinds: CONTROL_PLANE_KINDS },
    { id: 'host-b', hostname: 'cp-b', address: `${addressPrefix}.3`, kinds: CONTROL_PLANE_KINDS },
    { id: 'host-c', hostname: 'cp-c', address: `${addressPrefix}.4`, kinds: CONTROL_PLANE_KINDS },
    { id: 'host-d', hostname: 'worker-d', address: `${addressPrefix}.5`, kinds: WORKER_KINDS },
    { id: 'host-e', hostname: 'worker-e', address: `${addressPrefix}.6`, kinds: WORKER_KINDS },
  ];
}

export interface Fixture {
  cas: EnvironmentCas;
  inputs: HostComponentsInput[];
}

export async function buildFixture(
  environment = fixtureEnvironment(),
  hosts = fixtureHosts(),
  cas?: EnvironmentCas,
): Promise<Fixture> {
  const environmentCas = cas ?? (await createEnvironmentCas(environment.name));
  const issuer = await CertificateIssuer.load(environmentCas);
  const controlPlane = hosts.filter((host) => host.kinds.includes('kube-apiserver'));
  const members = hosts
    .filter((host) => host.kinds.includes('etcd'))
    .map((host) => ({ name: host.hostname, address: host.address }));
  const podCidr = (index: number) => `10.42.${index}.0/24`;
  const inputs = await Promise.all(
    hosts.map(async ({ kinds, ...host }, index) => ({
      podNetwork: {
        nodeCidr: podCidr(index),
        routes: hosts.flatMap((other, i) => (i === index ? [] : [{ cidr: podCidr(i), via: other.address }])),
      },
      environment,
      host,
      kinds,
      etcd: { members, initialClusterState: 'new' as const },
      apiServerEndpoints: controlPlane.map((cp) => `https://${cp.address}:6443`),
      cas: environmentCas,
      pki: await issueHostPki(issuer, {
        host,
        kinds,
        apiServer: {
          controlPlaneAddresses: controlPlane.map((cp) => cp.address),
          serviceCidr: environment.networking.serviceCidr,
          clusterDomain: environment.networking.clusterDomain,
        },
      }),
    })),
  );
  return { cas: environmentCas, inputs };
}
