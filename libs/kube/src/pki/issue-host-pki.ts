import type { ComponentKind } from '@corral/contracts';
import type { CertificateIssuer } from './certificate-issuer';
import { certificateSatisfies } from './certificate-satisfies';
import { certificateProfiles as profiles, type ApiServerCertificateOptions, type PkiHost } from './certificate-profiles';
import type { CertificatePem, HostPki, LeafCertificateRequest } from './pki-types';

export interface HostPkiRequest {
  host: PkiHost;
  /** the components placed on the host; only their certificates are issued */
  kinds: readonly ComponentKind[];
  apiServer: ApiServerCertificateOptions;
}

/** The same shape as HostPki, with the request of each certificate in place of the certificate. */
export type HostCertificatePlan = {
  [K in keyof HostPki]?: { [P in keyof NonNullable<HostPki[K]>]: LeafCertificateRequest };
};

/** Which certificates the components placed on one host need (pure). */
export function planHostCertificates(request: HostPkiRequest): HostCertificatePlan {
  const { host, kinds } = request;
  const plan: HostCertificatePlan = {};
  if (kinds.includes('etcd')) {
    plan.etcd = {
      server: profiles.etcdMember(host),
      peer: profiles.etcdMember(host),
      healthcheckClient: profiles.etcdHealthcheckClient(),
    };
  }
  if (kinds.includes('kube-apiserver')) {
    plan['kube-apiserver'] = {
      serving: profiles.apiServer(host, request.apiServer),
      etcdClient: profiles.apiServerEtcdClient(),
      kubeletClient: profiles.apiServerKubeletClient(),
      frontProxyClient: profiles.frontProxyClient(),
    };
  }
  if (kinds.includes('kube-scheduler')) {
    plan['kube-scheduler'] = {
      client: profiles.scheduler(),
      serving: profiles.componentServing(host, 'kube-scheduler'),
    };
  }
  if (kinds.includes('kube-controller-manager')) {
    plan['kube-controller-manager'] = {
      client: profiles.controllerManager(),
      serving: profiles.componentServing(host, 'kube-controller-manager'),
    };
  }
  if (kinds.includes('kubelet')) {
    plan.kubelet = { client: profiles.kubeletClient(host), serving: profiles.kubeletServing(host) };
  }
  if (kinds.includes('kube-proxy')) plan['kube-proxy'] = { client: profiles.kubeProxy() };
  if (kinds.includes('ingress-controller')) plan['ingress-controller'] = { client: profiles.ingressController() };
  if (kinds.includes('cluster-dns')) plan['cluster-dns'] = { client: profiles.clusterDns() };
  return plan;
}

/** Issues every certificate the components placed on one host need, all in parallel. */
export async function issueHostPki(issuer: CertificateIssuer, request: HostPkiRequest, now = new Date()): Promise<HostPki> {
  return (await reconcileHostPki(issuer, undefined, request, { now })).pki;
}

export interface ReconcileHostPkiOptions {
  now?: Date;
  /** reissue certificates that expire within this many days (default 30) */
  renewBeforeDays?: number;
}

export interface ReconcileHostPkiResult {
  pki: HostPki;
  /** "<kind>/<role>" of every certificate newly issued; empty when the existing PKI still fits */
  issued: string[];
}

/**
 * Level-based PKI for one host: keeps every existing certificate that still fits its request
 * (subject, SANs, usages, CA, not expiring soon) and issues the rest, so an unchanged host
 * keeps its certificates and its components keep their spec hashes. Kinds no longer placed
 * on the host are dropped.
 */
export async function reconcileHostPki(
  issuer: CertificateIssuer,
  existing: HostPki | undefined,
  request: HostPkiRequest,
  options: ReconcileHostPkiOptions = {},
): Promise<ReconcileHostPkiResult> {
  const now = options.now ?? new Date();
  const renewAfter = new Date(now.getTime() + (options.renewBeforeDays ?? 30) * 86_400_000);
  const plan = planHostCertificates(request);
  const issued: string[] = [];
  const kinds = await Promise.all(
    Object.entries(plan).map(async ([kind, requests]) => {
      const current = (existing as Record<string, Record<string, CertificatePem> | undefined> | undefined)?.[kind];
      const certs = await Promise.all(
        Object.entries(requests as Record<string, LeafCertificateRequest>).map(async ([role, leaf]) => {
          const have = current?.[role];
          if (have && certificateSatisfies(have, leaf, issuer.caCertificate(leaf.ca), renewAfter)) return [role, have] as const;
          issued.push(`${kind}/${role}`);
          return [role, await issuer.issue(leaf, now)] as const;
        }),
      );
      return [kind, Object.fromEntries(certs)] as const;
    }),
  );
  return { pki: Object.fromEntries(kinds) as HostPki, issued: issued.sort() };
}

/** The identity the Corral server's Kubernetes API proxy connects with. */
export function issueApiProxyCertificate(issuer: CertificateIssuer, now = new Date()): Promise<CertificatePem> {
  return issuer.issue(profiles.apiProxy(), now);
}

/** The cluster-admin identity for the environment's downloadable kubeconfig (`validDays` for a short-lived one). */
export function issueAdminCertificate(issuer: CertificateIssuer, now = new Date(), validDays?: number): Promise<CertificatePem> {
  return issuer.issue(profiles.admin(), now, validDays);
}
