import type { Placement, PlacementPlan } from '@corral/domain';
import { replanFromEtcd, UNKNOWN_MEMBER_PREFIX } from './etcd-membership.phase';
import type { EtcdClusterMember } from '@corral/kube';

const hosts = [1, 2, 3].map((n) => ({ id: `h${n}`, hostname: `node-${n}`, address: `10.0.0.${n}`, state: 'active' }));
const member = (n: number, id = `m${n}`): EtcdClusterMember => ({ id, name: `node-${n}`, peerUrls: [`https://10.0.0.${n}:2380`], clientUrls: [], isLearner: false });
const plan = { etcd: { action: 'add', hostId: 'h3', message: 'add h3' } } as unknown as PlacementPlan;

describe('the membership step plans from etcd’s member list', () => {
  const current: Placement[] = [
    { hostId: 'h1', kind: 'etcd' },
    { hostId: 'h2', kind: 'etcd' },
    { hostId: 'h1', kind: 'kubelet' },
  ];

  it('keeps the plan when etcd lists exactly the placed members', () => {
    const replan = jest.fn();
    const out = replanFromEtcd({ plan, current, hosts, replan }, [member(2), member(1)]);
    expect(out).toMatchObject({ plan, current, differs: false, truth: ['h2', 'h1'] });
    expect(replan).not.toHaveBeenCalled();
  });

  it('plans again from etcd’s members when they differ (a crash after a member add), naming unknown members', () => {
    const again = { etcd: { action: 'none' } } as unknown as PlacementPlan;
    const replan = jest.fn().mockReturnValue(again);
    const unknown: EtcdClusterMember = { id: 'abc', name: '', peerUrls: ['https://10.9.9.9:2380'], clientUrls: [], isLearner: false };
    const out = replanFromEtcd({ plan, current, hosts, replan }, [member(1), member(2), member(3), unknown]);
    expect(out.differs).toBe(true);
    expect(out.plan).toBe(again);
    expect(replan).toHaveBeenCalledWith([
      { hostId: 'h1', kind: 'kubelet' },
      { hostId: 'h1', kind: 'etcd' },
      { hostId: 'h2', kind: 'etcd' },
      { hostId: 'h3', kind: 'etcd' },
      { hostId: `${UNKNOWN_MEMBER_PREFIX}abc`, kind: 'etcd' },
    ]);
  });
});
