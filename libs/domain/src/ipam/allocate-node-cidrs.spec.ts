import fc from 'fast-check';
import { allocateNodeCidrs } from './allocate-node-cidrs';
import { cidrContains, cidrsOverlap, parseCidr } from './cidr';

describe('allocateNodeCidrs', () => {
  it('hands out the lowest free blocks in host id order', () => {
    expect(allocateNodeCidrs('10.42.0.0/16', 24, ['b', 'a', 'c'])).toEqual({
      allocations: { a: '10.42.0.0/24', b: '10.42.1.0/24', c: '10.42.2.0/24' },
      exhausted: [],
    });
  });

  it('keeps existing allocations and fills gaps', () => {
    const out = allocateNodeCidrs('10.42.0.0/16', 24, ['a', 'b', 'c'], { b: '10.42.7.0/24', gone: '10.42.0.0/24' });
    expect(out.allocations).toEqual({ a: '10.42.0.0/24', b: '10.42.7.0/24', c: '10.42.1.0/24' });
  });

  it('re-allocates invalid or clashing existing blocks', () => {
    const out = allocateNodeCidrs('10.42.0.0/16', 24, ['a', 'b', 'c', 'd'], {
      a: '10.42.5.0/24',
      b: '10.42.5.0/24',
      c: '10.99.0.0/24',
      d: '10.42.6.0/25',
    });
    expect(out.allocations).toEqual({ a: '10.42.5.0/24', b: '10.42.0.0/24', c: '10.42.1.0/24', d: '10.42.2.0/24' });
  });

  it('reports exhaustion instead of throwing, and rejects bad masks', () => {
    expect(allocateNodeCidrs('10.42.0.0/23', 24, ['a', 'b', 'c'])).toEqual({
      allocations: { a: '10.42.0.0/24', b: '10.42.1.0/24' },
      exhausted: ['c'],
    });
    expect(() => allocateNodeCidrs('10.42.0.0/16', 8, ['a'])).toThrow('between /16 and /32');
    expect(() => allocateNodeCidrs('10.42.0.0/16', 24.5, ['a'])).toThrow('mask size');
    expect(() => allocateNodeCidrs('10.42.0.1/16', 24, ['a'])).toThrow('did you mean');
  });

  const ids = fc.uniqueArray(fc.constantFrom(...Array.from({ length: 20 }, (_, i) => `h${i}`)), { maxLength: 20 });

  it('allocates distinct in-range blocks that are stable across re-runs and host churn', () => {
    fc.assert(
      fc.property(ids, ids, fc.constantFrom(22, 24, 25, 26), (first, second, mask) => {
        const cluster = '10.42.0.0/20';
        const a = allocateNodeCidrs(cluster, mask, first);
        const blocks = Object.values(a.allocations);
        expect(new Set(blocks).size).toBe(blocks.length);
        for (const b of blocks) {
          expect(parseCidr(b).prefix).toBe(mask);
          expect(cidrContains(cluster, b.split('/')[0])).toBe(true);
        }
        for (let i = 0; i < blocks.length; i++) for (let j = i + 1; j < blocks.length; j++) expect(cidrsOverlap(blocks[i], blocks[j])).toBe(false);
        const capacity = 2 ** (mask - 20);
        expect(blocks.length).toBe(Math.min(first.length, capacity));
        expect(blocks.length + a.exhausted.length).toBe(first.length);
        // re-running with more/fewer hosts never moves a host that stays
        const b = allocateNodeCidrs(cluster, mask, second, a.allocations);
        for (const id of second) if (a.allocations[id]) expect(b.allocations[id]).toBe(a.allocations[id]);
      }),
    );
  });
});
