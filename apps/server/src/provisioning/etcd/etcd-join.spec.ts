import { CertificateIssuer, buildHostComponents, createEnvironmentCas, issueHostPki } from '@corral/kube';
import { existingClusterJoin, readEtcdJoin } from './etcd-join';

describe('etcd join parameters', () => {
  const environment = {
    id: '7d3c7a2e-0000-4000-8000-000000000001',
    name: 'join',
    kubernetesVersion: 'v1.36',
    networking: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local', dnsServiceIp: '10.43.0.10' },
  };
  const build = async (join: Parameters<typeof buildHostComponents>[0]['etcd']) => {
    const cas = await createEnvironmentCas('join');
    const host = { id: 'h2', hostname: 'node-2', address: '10.0.0.2' };
    const pki = await issueHostPki(await CertificateIssuer.load(cas), {
      host: { hostname: host.hostname, address: host.address },
      kinds: ['etcd'],
      apiServer: { controlPlaneAddresses: [], serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local' },
    });
    return buildHostComponents({ environment, host, kinds: ['etcd'], etcd: join, apiServerEndpoints: [], cas, pki })[0];
  };

  it('reads back exactly the join a spec was built with, so a member keeps its spec', async () => {
    const join = {
      members: [
        { name: 'node-1', address: '10.0.0.1' },
        { name: 'node-2', address: '10.0.0.2' },
        { name: 'node-3', address: '10.0.0.3' },
      ],
      initialClusterState: 'existing' as const,
      clusterToken: 'corral-x-g2',
      dataDir: '${dataDir}/member-abc',
    };
    const spec = await build(join);
    expect(spec.args).toContain('--initial-cluster=node-1=https://10.0.0.1:2380,node-2=https://${address}:2380,node-3=https://10.0.0.3:2380');
    expect(readEtcdJoin(spec, '10.0.0.2')).toEqual(join);
    const rebuilt = await build(readEtcdJoin(spec, '10.0.0.2')!);
    expect(rebuilt.args).toEqual(spec.args);
  });

  it('keeps a restored founding member\'s snapshot source, so rebuilding its spec changes nothing', async () => {
    const join = {
      members: [{ name: 'node-2', address: '10.0.0.2' }],
      initialClusterState: 'new' as const,
      clusterToken: 'corral-x-g3',
      dataDir: '${dataDir}/restore-3',
      restoreFrom: { snapshotId: '8c1e4a52-0000-4000-8000-000000000009', sha256: 'cd'.repeat(32) },
    };
    const spec = await build(join);
    expect(spec.init?.[0]?.downloads?.[0]?.url).toBe(`/v1/agent/etcd-snapshots/${join.restoreFrom.snapshotId}/data`);
    expect(readEtcdJoin(spec, '10.0.0.2')).toEqual(join);
    const rebuilt = await build(readEtcdJoin(spec, '10.0.0.2')!);
    expect(rebuilt.args).toEqual(spec.args);
    expect(rebuilt.init).toEqual(spec.init);
  });

  it('reads the defaults of a spec written before joins were configurable', async () => {
    const spec = await build({ members: [{ name: 'node-2', address: '10.0.0.2' }], initialClusterState: 'new' });
    expect(readEtcdJoin(spec, '10.0.0.2')).toEqual({
      members: [{ name: 'node-2', address: '10.0.0.2' }],
      initialClusterState: 'new',
      clusterToken: `corral-${environment.id}`,
      dataDir: '${dataDir}',
    });
    expect(readEtcdJoin({ ...spec, args: spec.args.filter((a) => !a.startsWith('--initial-cluster=')) }, '10.0.0.2')).toBeNull();
  });

  it('a joining member lists every member as etcd has it, naming unstarted ones after their host', () => {
    const join = existingClusterJoin(
      [
        { id: '1', name: 'node-1', peerUrls: ['https://10.0.0.1:2380'], clientUrls: [], isLearner: false },
        { id: '2', name: '', peerUrls: ['https://10.0.0.4:2380'], clientUrls: [], isLearner: false },
      ],
      (a) => ({ '10.0.0.4': 'node-4' })[a],
      'corral-x',
      '${dataDir}/member-1',
    );
    expect(join.members).toEqual([
      { name: 'node-1', address: '10.0.0.1' },
      { name: 'node-4', address: '10.0.0.4' },
    ]);
    expect(join.initialClusterState).toBe('existing');
  });
});
