import fc from 'fast-check';
import { hasRole } from './eligibility';
import { etcdQuorum, planEtcd } from './plan-etcd';
import type { EtcdMemberCount, PlannerHost } from './planner-types';
import { host, hostsArb } from './planner-fixtures.spec-helper';

const byId = (hosts: PlannerHost[]) => new Map(hosts.map((h) => [h.id, h]));
const noLoad = () => 0;

describe('etcdQuorum', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
  ])('%d members need %d', (n, q) => expect(etcdQuorum(n)).toBe(q));
});

describe('planEtcd', () => {
  it('bootstraps on the best-ranked hosts, explicit etcd role first', () => {
    const hosts = byId([host('a'), host('b'), host('c', 'active', ['etcd']), host('d', 'lost')]);
    expect(planEtcd({ requested: 3, hosts, members: [], load: noLoad })).toEqual({
      members: ['c', 'a', 'b'],
      decision: { action: 'bootstrap', hostIds: ['c', 'a', 'b'], message: expect.stringContaining('3 member(s)') },
    });
  });

  it('does nothing without eligible hosts', () => {
    const hosts = byId([host('a', 'active', ['worker'])]);
    expect(planEtcd({ requested: 1, hosts, members: [], load: noLoad }).decision.action).toBe('none');
  });

  it('refuses when a majority of members are unreachable, and names them', () => {
    const hosts = byId([host('a'), host('b', 'lost'), host('c', 'disconnected'), host('d')]);
    const plan = planEtcd({ requested: 3, hosts, members: ['a', 'b', 'c'], load: noLoad });
    expect(plan.members).toEqual(['a', 'b', 'c']);
    expect(plan.decision).toEqual({
      action: 'refuse',
      reason: 'QuorumAtRisk',
      message: expect.stringMatching(/2 of 3 etcd members .*host-b .*host-c/),
    });
  });

  it('removes a lost member even while another is still starting, but adds nothing until healthy', () => {
    const hosts = byId([host('a'), host('b'), host('c'), host('d'), host('e', 'lost')]);
    const members = ['a', 'b', 'c', 'e', 'd'];
    const first = planEtcd({ requested: 5, hosts, members, load: noLoad, memberHealth: { d: false } });
    expect(first.decision).toMatchObject({ action: 'none' });
    const hosts6 = byId([...hosts.values(), host('f')]);
    const second = planEtcd({ requested: 5, hosts: hosts6, members, load: noLoad, memberHealth: { d: false } });
    expect(second.decision).toMatchObject({ action: 'remove', hostId: 'e', reason: 'HostLost' });
    const third = planEtcd({ requested: 5, hosts: hosts6, members: second.members, load: noLoad, memberHealth: { d: false } });
    expect(third.decision).toMatchObject({ action: 'wait', reason: 'WaitingForEtcdHealth', message: expect.stringContaining('host-d') });
    const fourth = planEtcd({ requested: 5, hosts: hosts6, members: second.members, load: noLoad });
    expect(fourth.decision).toMatchObject({ action: 'add', hostId: 'f' });
  });

  it('refuses an add that would lose quorum until the new member starts', () => {
    const hosts = byId([host('a'), host('b'), host('c', 'disconnected'), host('d'), host('e')]);
    const plan = planEtcd({ requested: 5, hosts, members: ['a', 'b', 'c'], load: noLoad });
    expect(plan.decision).toMatchObject({ action: 'refuse', reason: 'QuorumAtRisk', message: expect.stringContaining('adding') });
  });

  it('keeps an even cluster below the requested size, rather than drop a healthy member, and grows it when a host is active', () => {
    // a replacement half done: the lost member is removed, the third host is late with its heartbeat
    const late = byId([host('a'), host('b'), host('c', 'disconnected')]);
    const waiting = planEtcd({ requested: 3, hosts: late, members: ['a', 'b'], load: noLoad });
    expect(waiting.members).toEqual(['a', 'b']);
    expect(waiting.decision).toMatchObject({ action: 'none', message: expect.stringContaining('while host-c (10.0.0.1) is disconnected') });
    const back = planEtcd({ requested: 3, hosts: byId([host('a'), host('b'), host('c')]), members: ['a', 'b'], load: noLoad });
    expect(back.decision).toMatchObject({ action: 'add', hostId: 'c' });
  });

  it('shrinks an even cluster that cannot grow', () => {
    const hosts = byId([host('a'), host('b'), host('c', 'lost')]);
    const plan = planEtcd({ requested: 3, hosts, members: ['a', 'b'], load: noLoad });
    expect(plan.decision).toMatchObject({ action: 'remove', hostId: 'b', reason: 'ScaledDown' });
  });

  it('shrinks an even cluster above the requested size', () => {
    const hosts = byId([host('a'), host('b')]);
    const plan = planEtcd({ requested: 1, hosts, members: ['a', 'b'], load: noLoad });
    expect(plan.decision).toMatchObject({ action: 'remove', hostId: 'b', reason: 'ScaledDown' });
  });

  const scenario = fc.record({
    hosts: hostsArb,
    members: fc.uniqueArray(fc.constantFrom('h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'gone-1'), { maxLength: 6 }),
    requested: fc.constantFrom<EtcdMemberCount>(1, 3, 5),
    health: fc.dictionary(fc.constantFrom('h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'), fc.boolean()),
  });

  it('never changes membership in a way that loses quorum', () => {
    fc.assert(
      fc.property(scenario, ({ hosts, members, requested, health }) => {
        const map = byId(hosts);
        const plan = planEtcd({ requested, hosts: map, members, memberHealth: health, load: noLoad });
        const running = members.filter((m) => map.get(m)?.state === 'active' && health[m] !== false);
        const n = members.length;
        const d = plan.decision;
        expect(new Set(plan.members).size).toBe(plan.members.length);
        if (d.action === 'add') {
          expect(plan.members).toEqual([...members, d.hostId]);
          expect(map.get(d.hostId)?.state).toBe('active');
          expect(running.length >= etcdQuorum(n + 1) || (n === 1 && running.length === 1)).toBe(true);
          expect(running.length).toBe(members.filter((m) => map.get(m)?.state === 'active').length);
        } else if (d.action === 'remove') {
          expect(plan.members).toEqual(members.filter((m) => m !== d.hostId));
          expect(running.filter((m) => m !== d.hostId).length).toBeGreaterThanOrEqual(etcdQuorum(n - 1));
          expect(running.length).toBeGreaterThanOrEqual(etcdQuorum(n));
          // a healthy member goes for parity only when no eligible host is about to come back
          const comingBack = hosts.some((h) => h.state === 'disconnected' && !(members as readonly string[]).includes(h.id) && hasRole(h, 'etcd'));
          if (d.reason === 'ScaledDown' && comingBack) expect(n).toBeGreaterThan(requested);
        } else if (d.action === 'bootstrap') {
          expect(n).toBe(0);
          expect(plan.members.length % 2).toBe(1);
        } else {
          expect(plan.members).toEqual(members);
        }
      }),
      { numRuns: 500 },
    );
  });
});
