import fc from 'fast-check';
import { assignSlots, slotCommands, slotCount, type Endpoint } from './server-slots';

const endpoint = fc.record({ address: fc.constantFrom('10.42.0.2', '10.42.0.3', '10.42.1.2', '10.42.1.3', '10.42.2.9'), port: fc.constantFrom(80, 8080) });
const endpoints = fc.uniqueArray(endpoint, { selector: (e) => `${e.address}:${e.port}`, maxLength: 10 });

describe('slotCount', () => {
  it('gives at least 8 slots and room for every endpoint', () => {
    expect(slotCount(0)).toBe(8);
    expect(slotCount(6)).toBe(8);
    expect(slotCount(9)).toBe(16);
    fc.assert(fc.property(fc.nat(5000), (n) => slotCount(n) >= n && slotCount(n) >= 8));
  });
});

describe('assignSlots', () => {
  it('places every endpoint exactly once, and a kept endpoint stays in its slot', () => {
    fc.assert(
      fc.property(endpoints, endpoints, (first, second) => {
        const before = assignSlots(undefined, first, slotCount(first.length));
        const count = slotCount(second.length);
        const after = assignSlots(before, second, count);
        expect(after).toHaveLength(count);
        const placed = after.filter((e): e is Endpoint => e !== null).map((e) => `${e.address}:${e.port}`);
        expect(placed.sort()).toEqual(second.map((e) => `${e.address}:${e.port}`).sort());
        for (const [i, e] of before.entries()) {
          if (e && i < count && second.some((s) => s.address === e.address && s.port === e.port)) expect(after[i]).toEqual(e);
        }
      }),
    );
  });
});

describe('slotCommands', () => {
  it('sets the address of new endpoints, makes them ready, and puts emptied slots in maintenance', () => {
    const a = { address: '10.42.0.2', port: 80 };
    const b = { address: '10.42.1.2', port: 80 };
    expect(slotCommands('web', [a, null, null], [null, b, null])).toEqual([
      'set server web/s1 state maint',
      'set server web/s2 addr 10.42.1.2 port 80',
      'set server web/s2 state ready',
    ]);
    expect(slotCommands('web', [a, b], [a, b])).toEqual([]);
  });

  it('turns any slots into any other slots of the same length (replaying the commands)', () => {
    fc.assert(
      fc.property(endpoints, endpoints, (x, y) => {
        const count = slotCount(Math.max(x.length, y.length));
        const before = assignSlots(undefined, x, count);
        const after = assignSlots(before, y, count);
        const state = before.map((e) => (e ? { ...e } : null));
        for (const cmd of slotCommands('be', before, after)) {
          const m = /^set server be\/s(\d+) (?:addr (\S+) port (\d+)|state (ready|maint))$/.exec(cmd)!;
          const i = Number(m[1]) - 1;
          if (m[2]) state[i] = { address: m[2], port: Number(m[3]) };
          else if (m[4] === 'maint') state[i] = null;
        }
        expect(state).toEqual(after);
      }),
    );
  });
});
