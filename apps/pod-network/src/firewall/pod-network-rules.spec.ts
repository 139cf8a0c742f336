import fc from 'fast-check';
import { CHAIN, chainIsExact, countChainRules, podNetworkChains } from './pod-network-rules';

describe('podNetworkChains', () => {
  it('masquerades only traffic from the cluster CIDR to outside it, and accepts forwarding from or to pods', () => {
    const [nat, filter] = podNetworkChains('10.42.0.0/16');
    expect(nat).toEqual({
      table: 'nat',
      chain: 'CORRAL-POD-NETWORK',
      from: 'POSTROUTING',
      jump: ['-m', 'comment', '--comment', 'corral pod network', '-j', 'CORRAL-POD-NETWORK'],
      rules: [['-s', '10.42.0.0/16', '!', '-d', '10.42.0.0/16', '-m', 'comment', '--comment', 'corral pod network: masquerade pod traffic leaving the cluster network', '-j', 'MASQUERADE']],
    });
    expect(filter).toMatchObject({ table: 'filter', chain: CHAIN, from: 'FORWARD' });
    expect(filter!.rules.map((r) => [r[0], r[1], r.at(-1)])).toEqual([
      ['-s', '10.42.0.0/16', 'ACCEPT'],
      ['-d', '10.42.0.0/16', 'ACCEPT'],
    ]);
  });

  it('every MASQUERADE rule excludes cluster destinations; rules are distinct', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 })), ([a, b]) => {
        const cidr = `${a}.${b}.0.0/16`;
        for (const chain of podNetworkChains(cidr)) {
          expect(new Set(chain.rules.map((r) => r.join(' '))).size).toBe(chain.rules.length);
          for (const rule of chain.rules.filter((r) => r.at(-1) === 'MASQUERADE')) {
            expect(rule.join(' ')).toContain(`-s ${cidr} ! -d ${cidr}`);
          }
        }
      }),
    );
  });
});

describe('countChainRules / chainIsExact', () => {
  it('counts only the chain rules of a listing', () => {
    const listing = [
      '# Warning: iptables-legacy tables present, use iptables-legacy to see them',
      '-N CORRAL-POD-NETWORK',
      '-A CORRAL-POD-NETWORK -s 10.42.0.0/16 -j ACCEPT',
      '-A CORRAL-POD-NETWORK-X -j ACCEPT',
      '-A CORRAL-POD-NETWORK -d 10.42.0.0/16 -j ACCEPT',
      '',
    ].join('\n');
    expect(countChainRules(listing, CHAIN)).toBe(2);
    expect(countChainRules('-N CORRAL-POD-NETWORK\n', CHAIN)).toBe(0);
  });

  it('is exact only with every rule present and nothing else', () => {
    expect(chainIsExact(2, [true, true])).toBe(true);
    expect(chainIsExact(3, [true, true])).toBe(false);
    expect(chainIsExact(2, [true, false])).toBe(false);
    expect(chainIsExact(0, [])).toBe(true);
  });
});
