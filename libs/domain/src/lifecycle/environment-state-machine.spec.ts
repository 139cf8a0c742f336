import fc from 'fast-check';
import {
  allowedTransitions,
  assertTransition,
  canTransition,
  ENVIRONMENT_STATES,
  InvalidTransitionError,
  type EnvironmentState,
} from './environment-state-machine';

const state = fc.constantFrom(...ENVIRONMENT_STATES);

describe('environment state machine', () => {
  it.each<[EnvironmentState, EnvironmentState]>([
    ['pending', 'provisioning'],
    ['provisioning', 'active'],
    ['active', 'degraded'],
    ['degraded', 'active'],
    ['active', 'upgrading'],
    ['degraded', 'upgrading'],
    ['upgrading', 'active'],
    ['deleting', 'deleted'],
    ['error', 'provisioning'],
  ])('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each<[EnvironmentState, EnvironmentState]>([
    ['pending', 'active'],
    ['provisioning', 'degraded'],
    ['upgrading', 'degraded'],
    ['deleted', 'deleting'],
    ['deleted', 'pending'],
    ['deleting', 'active'],
    ['deleting', 'error'],
    ['active', 'pending'],
  ])('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(InvalidTransitionError);
    expect(() => assertTransition(from, to)).toThrow(`from ${from} to ${to}`);
  });

  it('every state but deleted can be deleted, and deleting always reaches deleted', () => {
    for (const s of ENVIRONMENT_STATES) {
      if (s !== 'deleted') expect(canTransition(s, 'deleting')).toBe(true);
    }
    expect(allowedTransitions('deleted')).toEqual([]);
  });

  it('error needs a reason', () => {
    expect(() => assertTransition('provisioning', 'error')).toThrow('needs a reason');
    expect(() => assertTransition('provisioning', 'error', '  ')).toThrow('needs a reason');
    expect(() => assertTransition('provisioning', 'error', 'no hosts')).not.toThrow();
  });

  it('staying put is allowed; unknown states are not', () => {
    fc.assert(fc.property(state, (s) => expect(canTransition(s, s)).toBe(true)));
    expect(canTransition('nonsense' as EnvironmentState, 'active')).toBe(false);
  });

  it('every state can still reach deleted, and deleted is reachable from pending', () => {
    const reach = (from: EnvironmentState): Set<EnvironmentState> => {
      const seen = new Set<EnvironmentState>([from]);
      const queue = [from];
      while (queue.length) {
        for (const next of allowedTransitions(queue.shift()!)) {
          if (seen.has(next)) continue;
          seen.add(next);
          queue.push(next);
        }
      }
      return seen;
    };
    fc.assert(fc.property(state, (s) => expect(reach(s).has('deleted')).toBe(true)));
    expect([...reach('pending')].sort()).toEqual([...ENVIRONMENT_STATES].sort());
  });

  it('canTransition and assertTransition agree', () => {
    fc.assert(
      fc.property(state, state, (from, to) => {
        let threw = false;
        try {
          assertTransition(from, to, 'reason');
        } catch {
          threw = true;
        }
        expect(threw).toBe(!canTransition(from, to));
      }),
    );
  });
});
