import { CertificateIssuer, createEnvironmentCas, issueAdminCertificate, issueHostPki, readEtcdRestoreSource } from '@corral/kube';
import type { ComponentKind } from '@corral/contracts';
import type { EnvironmentSecrets } from '../environment-secrets';
import type { EtcdJoin } from '../etcd/etcd-join';
import { buildDesiredSpecs } from './specs.phase';
import { pkiNeeds } from './pki.phase';
import { env, host, view } from './reconcile-fixtures.spec-helper';

describe('PKI and specs phases', () => {
  const hosts = [host(1), host(2), host(3)];
  const all: ComponentKind[] = ['etcd', 'kube-apiserver', 'containerd', 'pod-network', 'kubelet'];
  const kindsByHost = new Map<string, ComponentKind[]>([
    ['h1', all],
    ['h2', all],
  ]);
  const placed = {
    kindsByHost,
    controlPlaneHosts: [hosts[0]!, hosts[1]!],
    etcdHosts: [hosts[0]!, hosts[1]!],
    podNetwork: { hosts: { h1: { nodeCidr: '10.42.0.0/24', routes: [] }, h2: { nodeCidr: '10.42.1.0/24', routes: [] } }, exhausted: [] },
  };
  let secrets: EnvironmentSecrets;

  beforeAll(async () => {
    const cas = await createEnvironmentCas('dev');
    const issuer = await CertificateIssuer.load(cas);
    const { needs, controlPlaneAddresses } = pkiNeeds(view(hosts), placed);
    const pki = Object.fromEntries(
      await Promise.all(
        needs.map(async (n) => [n.hostId, await issueHostPki(issuer, { host: { hostname: n.hostname, address: n.address }, kinds: n.kinds, apiServer: { controlPlaneAddresses, serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local' } })]),
      ),
    );
    secrets = { cas, hosts: pki, admin: await issueAdminCertificate(issuer) };
  });

  it('asks certificates for each host with placed components, with the apiservers’ addresses', () => {
    const { needs, controlPlaneAddresses } = pkiNeeds(view(hosts), placed);
    expect(needs).toEqual([
      { hostId: 'h1', hostname: 'node-1', address: '10.0.0.1', kinds: all },
      { hostId: 'h2', hostname: 'node-2', address: '10.0.0.2', kinds: all },
    ]);
    expect(controlPlaneAddresses).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('builds etcd from the member’s own join and everything else from today’s members', () => {
    const join: EtcdJoin = { members: [{ name: 'node-1', address: '10.0.0.1' }], initialClusterState: 'new', clusterToken: 'tok-1', dataDir: '${dataDir}' };
    const next = buildDesiredSpecs({ env: env(), hosts, placed, joins: new Map([['h1', join]]), secrets, options: {} });

    const h1 = next.get('h1')!;
    expect(h1.map((s) => s.kind)).toEqual(all);
    expect(h1.find((s) => s.kind === 'etcd')!.args).toContain('--initial-cluster-token=tok-1');
    expect(readEtcdRestoreSource(h1.find((s) => s.kind === 'etcd')!)).toBeFalsy();
    const apiserver = h1.find((s) => s.kind === 'kube-apiserver')!;
    expect(apiserver.args.find((a) => a.startsWith('--etcd-servers='))).toContain('10.0.0.1');

    // h2's etcd has no join yet (not in etcd's list): it gets every other component but no etcd
    expect(next.get('h2')!.map((s) => s.kind)).toEqual(all.filter((k) => k !== 'etcd'));
    // a host with nothing placed gets an empty list (its agent stops what it ran)
    expect(next.get('h3')).toEqual([]);
  });
});
