import { FakeSystem } from '../../test/fake-system';
import { Iptables } from './iptables';
import { CHAIN, podNetworkChains } from './pod-network-rules';

describe('Iptables', () => {
  const [nat, filter] = podNetworkChains('10.42.0.0/16');
  let sys: FakeSystem;
  let ipt: Iptables;

  beforeEach(() => {
    sys = new FakeSystem();
    ipt = new Iptables(sys.run, 'iptables-legacy');
  });

  it('creates the chain with its rules and appends the jump once', async () => {
    expect(await ipt.ensure(nat!)).toEqual(['created chain nat/CORRAL-POD-NETWORK', 'added jump nat/POSTROUTING -> CORRAL-POD-NETWORK']);
    expect(sys.chain('nat', CHAIN)).toEqual(['-s 10.42.0.0/16 ! -d 10.42.0.0/16 -m comment --comment "corral pod network: masquerade pod traffic leaving the cluster network" -j MASQUERADE']);
    expect(sys.chain('nat', 'POSTROUTING')).toEqual(['-m comment --comment "corral pod network" -j CORRAL-POD-NETWORK']);
    expect(sys.calls.every((c) => c[0] === 'iptables-legacy' && c[1] === '-w' && c[3] === '-t')).toBe(true);
  });

  it('is idempotent: a second pass only checks', async () => {
    await ipt.ensure(filter!);
    sys.calls.length = 0;
    expect(await ipt.ensure(filter!)).toEqual([]);
    expect(sys.calls.map((c) => c[5])).toEqual(['-S', '-C', '-C', '-C']);
    expect(sys.chain('filter', 'FORWARD')).toHaveLength(1);
  });

  it('rebuilds a chain that holds anything but exactly its rules', async () => {
    await ipt.ensure(filter!);
    sys.chain('filter', CHAIN)!.push('-j DROP');
    expect(await ipt.ensure(filter!)).toEqual(['rebuilt chain filter/CORRAL-POD-NETWORK (it held 3 rule(s), not exactly its 2)']);
    expect(sys.chain('filter', CHAIN)).toHaveLength(2);
    // same count, one rule changed
    sys.chain('filter', CHAIN)![1] = '-d 10.99.0.0/16 -j ACCEPT';
    expect(await ipt.ensure(filter!)).toEqual([expect.stringContaining('rebuilt chain')]);
    expect(sys.chain('filter', CHAIN)![1]).toContain('-d 10.42.0.0/16');
  });

  it('puts back a jump someone deleted', async () => {
    await ipt.ensure(nat!);
    sys.chain('nat', 'POSTROUTING')!.length = 0;
    expect(await ipt.ensure(nat!)).toEqual(['added jump nat/POSTROUTING -> CORRAL-POD-NETWORK']);
  });

  it('names the command and its stderr when iptables fails', async () => {
    sys.failures.set(' -N ', { code: 4, stdout: '', stderr: 'Another app is currently holding the xtables lock. Stopped waiting after 5s.\n' });
    await expect(ipt.ensure(nat!)).rejects.toThrow(
      '`iptables-legacy -w 5 -t nat -S CORRAL-POD-NETWORK` exited 1: iptables: No chain/target/match by that name.; then `iptables-legacy -w 5 -t nat -N CORRAL-POD-NETWORK` exited 4: Another app is currently holding the xtables lock. Stopped waiting after 5s.',
    );
    await ipt.ensure(nat!);
    sys.failures.set('-C POSTROUTING', { code: 4, stdout: '', stderr: 'lock\n' });
    await expect(ipt.ensure(nat!)).rejects.toThrow('`iptables-legacy -w 5 -t nat -C POSTROUTING -m comment --comment \'corral pod network\' -j CORRAL-POD-NETWORK` exited 4: lock');
  });

  it('removes every jump and the chain, and is a no-op when they are gone', async () => {
    await ipt.ensure(nat!);
    sys.chain('nat', 'POSTROUTING')!.push('-j KEEP-ME-NOT-OURS', '-m comment --comment "corral pod network" -j CORRAL-POD-NETWORK');
    expect(await ipt.remove(nat!)).toEqual(['jump nat/POSTROUTING -> CORRAL-POD-NETWORK', 'jump nat/POSTROUTING -> CORRAL-POD-NETWORK', 'chain nat/CORRAL-POD-NETWORK']);
    expect(sys.chain('nat', CHAIN)).toBeUndefined();
    expect(sys.chain('nat', 'POSTROUTING')).toEqual(['-j KEEP-ME-NOT-OURS']);
    expect(await ipt.remove(nat!)).toEqual([]);
  });
});
