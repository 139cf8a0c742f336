import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { X509Certificate } from 'node:crypto';
import type { ComponentKind } from '@corral/contracts';
import { caRotationTrust, pemBundle } from '@corral/domain';
import {
  CertificateIssuer,
  CertificatePem,
  HostPki,
  createEnvironmentCas,
  issueAdminCertificate,
  issueApiProxyCertificate,
  listCaCertificates,
  listHostCertificates,
  reconcileHostPki,
  soonestNotAfter,
} from '@corral/kube';
import { SecretBox, environmentContext } from '../crypto/secret-box';
import type { Environment } from '../environments/environment.entity';
import type { EnvironmentSecrets } from './environment-secrets';
import type { EtcdTls } from '@corral/kube';
import { CaRotationStore, type ActiveCaRotation } from './ca-rotation/ca-rotation.store';

export interface HostPkiNeed {
  hostId: string;
  hostname: string;
  address: string;
  kinds: ComponentKind[];
}

/** Leaf certificates are renewed this long before they expire (as reconcileHostPki does). */
const RENEW_BEFORE_MS = 30 * 86400_000;

/**
 * The environment's PKI: CAs created once, host certificates kept while they still fit (so
 * spec hashes stay stable and nothing restarts without reason), all sealed at rest.
 */
@Injectable()
export class EnvironmentPkiService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly rotations: CaRotationStore,
  ) {}

  /**
   * The secrets as the environment uses them now: during a CA rotation `cas.clusterCa` is the
   * CA that signs in its phase and `clusterCaBundlePem` the CAs trusted (see caRotationTrust).
   */
  async load(environmentId: string): Promise<EnvironmentSecrets | null> {
    const stored = await this.loadStored(environmentId);
    return stored && inEffect(stored, await this.rotations.active(environmentId));
  }

  /** The secrets as stored (the environment's own CAs, whatever rotation is under way). */
  private async loadStored(environmentId: string, manager?: EntityManager): Promise<EnvironmentSecrets | null> {
    const [row] = await (manager ?? this.dataSource).query(`SELECT secrets_encrypted FROM environments WHERE id = $1${manager ? ' FOR UPDATE' : ''}`, [environmentId]);
    return row?.secrets_encrypted ? (JSON.parse(this.box.open(row.secrets_encrypted, environmentContext(environmentId))) as EnvironmentSecrets) : null;
  }

  /**
   * Issues what the placement needs; returns the secrets in effect and the names of what was
   * (re)issued. During a CA rotation's reissue phase every cluster-CA leaf not issued by the new
   * CA is issued anew (certificateSatisfies checks the issuer), the admin and API proxy ones too.
   */
  async reconcile(env: Environment, needs: HostPkiNeed[], controlPlaneAddresses: string[]): Promise<{ secrets: EnvironmentSecrets; issued: string[]; rotation: ActiveCaRotation | null }> {
    const existing = await this.loadStored(env.id);
    const rotation = existing ? await this.rotations.active(env.id) : null;
    const cas = existing?.cas ?? (await createEnvironmentCas(env.name));
    const active = inEffect({ cas } as EnvironmentSecrets, rotation);
    const issuer = await CertificateIssuer.load(active.cas);
    const signedBy = (cert: CertificatePem | undefined) => !!cert && issuedBy(cert, active.cas.clusterCa);
    const issued: string[] = existing ? [] : ['certificate authorities'];
    const hosts: Record<string, HostPki> = {};
    for (const need of needs) {
      const result = await reconcileHostPki(issuer, existing?.hosts[need.hostId], {
        host: { hostname: need.hostname, address: need.address },
        kinds: need.kinds,
        apiServer: { controlPlaneAddresses, serviceCidr: env.networking.serviceCidr, clusterDomain: env.networking.clusterDomain },
      });
      hosts[need.hostId] = result.pki;
      issued.push(...result.issued.map((name) => `${need.hostname}/${name}`));
    }
    const now = Date.now();
    const fresh = (cert: CertificatePem | undefined) => cert && Date.parse(cert.notAfter) - now > RENEW_BEFORE_MS;
    const admin = fresh(existing?.admin) && signedBy(existing?.admin) ? existing!.admin : await issueAdminCertificate(issuer);
    if (admin !== existing?.admin && existing) issued.push('admin');
    const etcdClient = fresh(existing?.etcdClient) ? existing!.etcdClient! : await issuer.issue({ ca: 'etcd', commonName: 'corral-server', usages: ['client'] });
    if (etcdClient !== existing?.etcdClient && existing) issued.push('corral-server etcd client');
    const apiProxy = fresh(existing?.apiProxy) && signedBy(existing?.apiProxy) ? existing!.apiProxy! : await issueApiProxyCertificate(issuer);
    if (apiProxy !== existing?.apiProxy && existing) issued.push('corral-server API proxy client');
    const secrets: EnvironmentSecrets = { cas, hosts, admin, etcdClient, apiProxy };
    const unchangedHosts = existing && Object.keys(existing.hosts).length === needs.length && needs.every((n) => existing.hosts[n.hostId]);
    if (issued.length || !unchangedHosts) await this.save(env.id, secrets);
    return { secrets: { ...secrets, cas: active.cas, ...(active.clusterCaBundlePem ? { clusterCaBundlePem: active.clusterCaBundlePem } : {}) }, issued, rotation };
  }

  /**
   * A CA rotation's drop-old step: the new CA becomes the environment's cluster CA, in the
   * caller's transaction (the rotation's own row changes in the same one).
   */
  async replaceClusterCa(manager: EntityManager, environmentId: string, ca: CertificatePem): Promise<void> {
    const existing = await this.loadStored(environmentId, manager);
    if (!existing) throw new Error(`environment ${environmentId} has no PKI`);
    await this.save(environmentId, { ...existing, cas: { ...existing.cas, clusterCa: ca } }, manager);
  }

  /** TLS material for talking to the environment's etcd as the server (null before any PKI exists). */
  async etcdTls(environmentId: string): Promise<EtcdTls | null> {
    const secrets = await this.loadStored(environmentId);
    if (!secrets?.etcdClient) return null;
    return { caPem: secrets.cas.etcdCa.certPem, certPem: secrets.etcdClient.certPem, keyPem: secrets.etcdClient.keyPem };
  }

  /**
   * Forgets every leaf certificate (hosts, admin, the server's etcd client) but keeps the CAs,
   * so the next reconcile issues new ones; the rollout then restarts components one at a time.
   * Returns how many leaf certificates were dropped (0 when there is no PKI yet).
   */
  async dropLeafCertificates(environmentId: string): Promise<number> {
    const existing = await this.loadStored(environmentId);
    if (!existing) return 0;
    const dropped = Object.values(existing.hosts).reduce((n, pki) => n + listHostCertificates(pki).length, 0) + 1 + (existing.etcdClient ? 1 : 0);
    const issuer = await CertificateIssuer.load(existing.cas);
    // the server keeps talking to etcd during the roll: its new client certificate is issued now
    const etcdClient = await issuer.issue({ ca: 'etcd', commonName: 'corral-server', usages: ['client'] });
    await this.save(environmentId, { cas: existing.cas, hosts: {}, admin: await issueAdminCertificate(issuer), etcdClient });
    return dropped;
  }

  private async save(environmentId: string, { clusterCaBundlePem: _runtimeOnly, ...secrets }: EnvironmentSecrets, manager?: EntityManager): Promise<void> {
    const soonest = soonestNotAfter([
      ...listCaCertificates(secrets.cas).map((c) => c.certificate),
      ...Object.values(secrets.hosts).flatMap((pki) => listHostCertificates(pki).map((c) => c.certificate)),
      secrets.admin,
      ...(secrets.etcdClient ? [secrets.etcdClient] : []),
    ]);
    await (manager ?? this.dataSource).query('UPDATE environments SET secrets_encrypted = $2, certificates_expire_at = $3 WHERE id = $1', [environmentId, this.box.seal(JSON.stringify(secrets), environmentContext(environmentId)), soonest]);
  }
}

/** The stored secrets as a rotation in its phase has them used: which cluster CA signs, which are trusted. */
function inEffect(stored: EnvironmentSecrets, rotation: ActiveCaRotation | null): EnvironmentSecrets {
  if (!rotation?.newCa) return stored;
  const { signing, trusted } = caRotationTrust(rotation.phase, stored.cas.clusterCa, rotation.newCa);
  return { ...stored, cas: { ...stored.cas, clusterCa: signing }, clusterCaBundlePem: pemBundle(trusted.map((ca) => ca.certPem)) };
}

function issuedBy(cert: CertificatePem, ca: CertificatePem): boolean {
  try {
    const caCert = new X509Certificate(ca.certPem);
    const leaf = new X509Certificate(cert.certPem);
    return leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey);
  } catch {
    return false;
  }
}
