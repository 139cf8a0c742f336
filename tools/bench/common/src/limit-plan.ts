import { randomUUID } from 'node:crypto';
import { type ComponentKind, type ComponentSpec } from '@corral/contracts';
import { planPlacement, planPodNetwork } from '@corral/domain';
import {
  CertificateIssuer,
  NODE_CIDR_MASK_SIZE,
  buildHostComponents,
  buildKubeconfig,
  createEnvironmentCas,
  issueAdminCertificate,
  issueHostPki,
  type CertificatePem,
  type EnvironmentCas,
} from '@corral/kube';

/** what the server gives a new environment (a fresh id per plan) (environments.service.ts DEFAULT_NETWORKING, default version) */
export const LIMIT_ENVIRONMENT = {
  id: '00000000-0000-4000-8000-000000000000',
  name: 'limit',
  kubernetesVersion: 'v1.36',
  networking: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local', dnsServiceIp: '10.43.0.10' },
};

/** catalogOptions() of the server's defaults (CORRAL_PROBE_INTERVAL 2s, CORRAL_PROBE_FAILURE_THRESHOLD 3) */
const CATALOG_OPTIONS = { probes: { intervalSeconds: 2, failureThreshold: 3 } };

export interface LimitHostInput {
  hostname: string;
  address: string;
}

export interface LimitHostPlan {
  id: string;
  hostname: string;
  address: string;
  kinds: ComponentKind[];
  /** the pod CIDR Corral's IPAM gives this worker (what the server writes into its Node's spec.podCIDR); absent on hosts without containerd */
  podCidr?: string;
  /** as the server writes them (placeholders unexpanded), in catalog order */
  specs: ComponentSpec[];
}

export interface LimitEnvironmentPlan {
  hosts: LimitHostPlan[];
  cas: EnvironmentCas;
  admin: CertificatePem;
  apiServerEndpoints: string[];
  /** a cluster-admin kubeconfig for the first apiserver (what GET /v1/environments/:env/kubeconfig gives) */
  adminKubeconfig(): string;
}

/**
 * The component specs the server would write for a new environment on these hosts: the same
 * placement planner, the same PKI (environment CAs, each host's certificates), Corral's IPAM
 * for the workers' pod CIDRs (planPodNetwork with the controller-manager's mask size) and the
 * same catalog calls (buildHostComponents, etcd apart), as provisioning.service.ts does.
 */
export async function planLimitEnvironment(inputs: LimitHostInput[], etcdMembers: 1 | 3 | 5): Promise<LimitEnvironmentPlan> {
  const hosts = inputs.map((h, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, hostname: h.hostname, address: h.address, roles: [], state: 'active' as const }));
  const plan = planPlacement({ spec: { etcdMembers, ingressReplicas: 1 }, hosts, current: [] });
  if (!plan.sufficiency.sufficient) throw new Error(`physical limit: ${plan.sufficiency.message}`);
  const kindsOf = (hostId: string) => plan.placement.filter((p) => p.hostId === hostId).map((p) => p.kind as ComponentKind);
  const environment = { ...LIMIT_ENVIRONMENT, id: randomUUID() };
  const cas = await createEnvironmentCas(environment.name);
  const issuer = await CertificateIssuer.load(cas);
  const controlPlane = hosts.filter((h) => kindsOf(h.id).includes('kube-apiserver'));
  const etcdHosts = hosts.filter((h) => kindsOf(h.id).includes('etcd'));
  const workers = hosts.filter((h) => kindsOf(h.id).includes('containerd'));
  const podNetwork = planPodNetwork(environment.networking.clusterCidr, NODE_CIDR_MASK_SIZE, workers.map((h) => ({ id: h.id, address: h.address })));
  if (podNetwork.exhausted.length) throw new Error(`physical limit: no pod CIDR for ${podNetwork.exhausted.join(', ')}`);
  const apiServerEndpoints = controlPlane.map((h) => `https://${h.address}:6443`);
  const members = { members: etcdHosts.map((h) => ({ name: h.hostname, address: h.address })), initialClusterState: 'new' as const };
  const out: LimitHostPlan[] = [];
  for (const host of hosts) {
    const kinds = kindsOf(host.id);
    const pki = await issueHostPki(issuer, {
      host,
      kinds,
      apiServer: { controlPlaneAddresses: controlPlane.map((h) => h.address), serviceCidr: environment.networking.serviceCidr, clusterDomain: environment.networking.clusterDomain },
    });
    const common = { environment, host: { id: host.id, hostname: host.hostname, address: host.address }, apiServerEndpoints, cas, pki, options: CATALOG_OPTIONS, podNetwork: podNetwork.hosts[host.id] };
    // as provisioning.service.ts builds them: etcd on its own with its join (a new cluster here),
    // the rest with today's members; so the apiserver's spec has no dependsOn etcd, as the server's
    const specs = [
      ...(kinds.includes('etcd') ? buildHostComponents({ ...common, kinds: ['etcd'], etcd: { ...members, clusterToken: `corral-${environment.id}`, dataDir: '${dataDir}' } }) : []),
      ...(kinds.some((k) => k !== 'etcd') ? buildHostComponents({ ...common, kinds: kinds.filter((k) => k !== 'etcd'), etcd: members }) : []),
    ];
    out.push({ id: host.id, hostname: host.hostname, address: host.address, kinds, podCidr: podNetwork.hosts[host.id]?.nodeCidr, specs });
  }
  const admin = await issueAdminCertificate(issuer);
  return {
    hosts: out,
    cas,
    admin,
    apiServerEndpoints,
    adminKubeconfig: () =>
      buildKubeconfig({ environmentName: environment.name, user: 'admin', serverUrl: apiServerEndpoints[0]!, caPem: cas.clusterCa.certPem, clientCertPem: admin.certPem, clientKeyPem: admin.keyPem }),
  };
}
