import type { EtcdClusterMember } from '@corral/kube';
import { needsMemberList, planEtcdJoins, writtenJoins, type EtcdJoinsInput } from './etcd-joins.phase';
import { host, spec, view, written } from './reconcile-fixtures.spec-helper';

const now = new Date('2026-01-02T03:04:05Z');
const etcdSpec = (token: string, cluster: string, state = 'new') =>
  spec('etcd', [`--initial-cluster=${cluster}`, `--initial-cluster-state=${state}`, `--initial-cluster-token=${token}`, '--data-dir=${dataDir}']);
const member = (n: number, name = `node-${n}`): EtcdClusterMember => ({ id: `m${n}`, name, peerUrls: [`https://10.0.0.${n}:2380`], clientUrls: [], isLearner: false });

function input(overrides: Partial<EtcdJoinsInput>): EtcdJoinsInput {
  const hosts = [host(1), host(2), host(3)];
  return { environmentId: 'env-1', action: 'none', etcdHosts: hosts, hosts, written: new Map(), members: null, now, ...overrides };
}

describe('etcd joins phase', () => {
  it('starts a new cluster with every member and the environment’s token', () => {
    const joins = planEtcdJoins(input({ action: 'bootstrap' }));
    expect([...joins.keys()]).toEqual(['h1', 'h2', 'h3']);
    for (const join of joins.values()) {
      expect(join).toEqual({
        members: [1, 2, 3].map((n) => ({ name: `node-${n}`, address: `10.0.0.${n}` })),
        initialClusterState: 'new',
        clusterToken: 'corral-env-1',
        dataDir: '${dataDir}',
      });
    }
  });

  it('keeps the join a written member started with (its spec stays stable)', () => {
    const v = view([host(1)], [written('h1', etcdSpec('tok-7', 'node-1=https://${address}:2380'))]);
    const joins = planEtcdJoins(input({ etcdHosts: v.hosts, hosts: v.hosts, written: v.written }));
    expect(joins.get('h1')).toMatchObject({ clusterToken: 'tok-7', members: [{ name: 'node-1', address: '10.0.0.1' }] });
    expect(writtenJoins(v.hosts, v.written).token).toBe('tok-7');
  });

  it('joins a member added to a running cluster with etcd’s member list, the written token and a fresh data dir', () => {
    const hosts = [host(1), host(2)];
    const v = view(hosts, [written('h1', etcdSpec('tok-7', 'node-1=https://${address}:2380'))]);
    const base = input({ action: 'add', etcdHosts: hosts, hosts, written: v.written });
    expect(needsMemberList(base)).toBe(true);

    const withoutList = planEtcdJoins(base);
    expect(withoutList.has('h2')).toBe(false);

    const notListedYet = planEtcdJoins({ ...base, members: [member(1)] });
    expect(notListedYet.has('h2')).toBe(false);

    const joins = planEtcdJoins({ ...base, members: [member(1), member(2, '')] });
    expect(joins.get('h2')).toEqual({
      members: [
        { name: 'node-1', address: '10.0.0.1' },
        { name: 'node-2', address: '10.0.0.2' },
      ],
      initialClusterState: 'existing',
      clusterToken: 'tok-7',
      dataDir: `\${dataDir}/member-${now.getTime().toString(36)}`,
    });
  });

  it('needs no member list when nobody joins, or when the cluster is new', () => {
    const hosts = [host(1)];
    const v = view(hosts, [written('h1', etcdSpec('tok', 'node-1=https://${address}:2380'))]);
    expect(needsMemberList({ action: 'add', etcdHosts: hosts, written: v.written })).toBe(false);
    expect(needsMemberList({ action: 'bootstrap', etcdHosts: [host(1), host(2)], written: v.written })).toBe(false);
    expect(needsMemberList({ action: 'add', etcdHosts: [host(1), host(2)], written: new Map() })).toBe(false);
  });
});
