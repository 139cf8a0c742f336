import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ComponentKind } from '@corral/contracts';
import { CertificateIssuer, HostPki, createEnvironmentCas, issueAdminCertificate, reconcileHostPki, soonestNotAfter, listHostCertificates, listCaCertificates } from '@corral/kube';
import { SecretBox } from '../crypto/secret-box';
import type { Environment } from '../environments/environment.entity';
import type { EnvironmentSecrets } from './environment-secrets';

export interface HostPkiNeed {
  hostId: string;
  hostname: string;
  address: string;
  kinds: ComponentKind[];
}

/**
 * The environment's PKI: CAs created once, host certificates kept while they still fit (so
 * spec hashes stay stable and nothing restarts without reason), all sealed at rest.
 */
@Injectable()
export class EnvironmentPkiService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  async load(environmentId: string): Promise<EnvironmentSecrets | null> {
    const [row] = await this.dataSource.query('SELECT secrets_encrypted FROM environments WHERE id = $1', [environmentId]);
    return row?.secrets_encrypted ? (JSON.parse(this.box.open(row.secrets_encrypted)) as EnvironmentSecrets) : null;
  }

  /** Issues what the placement needs; returns the secrets and the names of what was (re)issued. */
  async reconcile(env: Environment, needs: HostPkiNeed[], controlPlaneAddresses: string[]): Promise<{ secrets: EnvironmentSecrets; issued: string[] }> {
    const existing = await this.load(env.id);
    const cas = existing?.cas ?? (await createEnvironmentCas(env.name));
    const issuer = await CertificateIssuer.load(cas);
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
    const admin = existing?.admin ?? (await issueAdminCertificate(issuer));
    const secrets: EnvironmentSecrets = { cas, hosts, admin };
    const unchangedHosts = existing && Object.keys(existing.hosts).length === needs.length && needs.every((n) => existing.hosts[n.hostId]);
    if (issued.length || !unchangedHosts) {
      const soonest = soonestNotAfter([
        ...listCaCertificates(cas).map((c) => c.certificate),
        ...Object.values(hosts).flatMap((pki) => listHostCertificates(pki).map((c) => c.certificate)),
        admin,
      ]);
      await this.dataSource.query('UPDATE environments SET secrets_encrypted = $2, certificates_expire_at = $3 WHERE id = $1', [env.id, this.box.seal(JSON.stringify(secrets)), soonest]);
    }
    return { secrets, issued };
  }
}
