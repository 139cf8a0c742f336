import type { PlacementPlan } from '@corral/domain';
import { foundingMembers, membersNotReady, restorePkiNeeds } from './restore.phase';
import { host, report, spec, view, written } from './reconcile-fixtures.spec-helper';

const etcdSpec = (token: string) =>
  spec('etcd', ['--initial-cluster=node-1=https://${address}:2380', '--initial-cluster-state=new', `--initial-cluster-token=${token}`, '--data-dir=${dataDir}/restore-2']);
const bootstrap = (hostIds: string[]) => () => ({ etcd: { action: 'bootstrap', hostIds, message: '' } }) as unknown as PlacementPlan;

describe('restore phase', () => {
  const hosts = [host(1), host(2)];

  it('keeps the founding members already written with the restore’s token', () => {
    const v = view(hosts, [written('h1', etcdSpec('corral-env-1-g2')), written('h2', spec('kubelet'))]);
    expect(foundingMembers(v, 'corral-env-1-g2', bootstrap(['h2']))).toEqual({ members: [hosts[0]] });
  });

  it('otherwise asks the planner for a new cluster’s hosts, placing without etcd', () => {
    const v = view(hosts, [written('h1', etcdSpec('corral-env-1-g1')), written('h2', spec('kubelet'))]);
    let seen: unknown;
    const replan = (current: unknown) => {
      seen = current;
      return bootstrap(['h2'])();
    };
    expect(foundingMembers(v, 'corral-env-1-g2', replan)).toEqual({ members: [hosts[1]] });
    expect(seen).toEqual([{ hostId: 'h2', kind: 'kubelet' }]);
    const refused = () => ({ etcd: { action: 'none', message: 'no eligible host' } }) as unknown as PlacementPlan;
    expect(foundingMembers(v, 'corral-env-1-g2', refused)).toEqual({ waiting: 'cannot start a fresh etcd cluster: no eligible host' });
  });

  it('issues certificates for the members’ etcd and the workers’ kept components only', () => {
    const v = view(hosts, [written('h1', spec('kube-apiserver')), written('h2', spec('kubelet')), written('h2', spec('kube-scheduler'))]);
    const { needs, controlPlaneAddresses } = restorePkiNeeds(v, new Set(['h1']));
    expect(needs.map((n) => [n.hostId, n.kinds])).toEqual([
      ['h1', ['etcd']],
      ['h2', ['kubelet']],
    ]);
    expect(controlPlaneAddresses).toEqual(['10.0.0.1']);
  });

  it('waits for members not healthy on the etcd spec just written', () => {
    const fresh = etcdSpec('corral-env-1-g2');
    const writes = hosts.map((h) => ({ hostId: h.id, specs: [fresh] }));
    const v = view(hosts, [], [report('h1', fresh), report('h2', etcdSpec('corral-env-1-g1'))]);
    expect(membersNotReady(v, hosts, writes).map((h) => h.id)).toEqual(['h2']);
  });
});
