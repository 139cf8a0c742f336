import fc from 'fast-check';
import { CA_ROTATION_PHASES, canCancelCaRotation, caRotationTrust, nextCaRotationStep, pemBundle, phaseProgress, phaseSettled, type CaRotationPhase, type SettleComponent } from './ca-rotation';

const phase = fc.constantFrom<CaRotationPhase>(...CA_ROTATION_PHASES);

/** Runs a rotation to its end, one settle flag per reconcile; returns the phases it went through. */
function run(settles: boolean[]): { phases: CaRotationPhase[]; completed: boolean } {
  let current: CaRotationPhase = 'trust-both';
  const phases: CaRotationPhase[] = [current];
  for (const settled of settles) {
    const step = nextCaRotationStep(current, settled);
    if (step.action === 'complete') return { phases, completed: true };
    if (step.action === 'advance') {
      current = step.to;
      phases.push(current);
    }
  }
  return { phases, completed: false };
}

describe('CA rotation state machine', () => {
  it('goes trust-both → reissue → drop-old → complete, one phase per settled reconcile', () => {
    expect(run([true, true, true])).toEqual({ phases: ['trust-both', 'reissue', 'drop-old'], completed: true });
  });

  it('never skips a phase and never moves while the phase is not settled', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 30 }), (settles) => {
        const { phases, completed } = run(settles);
        // the phases seen are a prefix of the fixed order
        expect(phases).toEqual(CA_ROTATION_PHASES.slice(0, phases.length));
        // each advance or completion needs one settled reconcile; unsettled ones change nothing
        const settledCount = settles.filter(Boolean).length;
        expect(phases.length - 1 + (completed ? 1 : 0)).toBe(Math.min(settledCount, 3));
      }),
    );
    fc.assert(fc.property(phase, (p) => expect(nextCaRotationStep(p, false)).toEqual({ action: 'wait' })));
  });

  it('can be cancelled only before any leaf of the new CA exists', () => {
    expect(CA_ROTATION_PHASES.filter(canCancelCaRotation)).toEqual(['trust-both']);
  });
});

describe('caRotationTrust', () => {
  it('trusts both CAs in trust-both and reissue, signs with the old then the new, and trusts only the current outside', () => {
    expect(caRotationTrust('trust-both', 'old', 'new')).toEqual({ signing: 'old', trusted: ['old', 'new'] });
    expect(caRotationTrust('reissue', 'old', 'new')).toEqual({ signing: 'new', trusted: ['new', 'old'] });
    // at drop-old the new CA has become the stored one
    expect(caRotationTrust('drop-old', 'new', null)).toEqual({ signing: 'new', trusted: ['new'] });
    expect(caRotationTrust(null, 'ca', null)).toEqual({ signing: 'ca', trusted: ['ca'] });
  });

  it('always trusts the CA that signs, and trusts a CA that signed earlier until drop-old', () => {
    fc.assert(
      fc.property(fc.option(phase, { nil: null }), (p) => {
        const next = p === 'trust-both' || p === 'reissue' ? 'new' : null;
        const { signing, trusted } = caRotationTrust(p, 'old', next);
        expect(trusted[0]).toBe(signing);
        // in every phase, leaves signed in the previous phase stay trusted
        if (p === 'reissue') expect(trusted).toContain('old');
        if (p === 'trust-both') expect(trusted).toContain('new');
        expect(new Set(trusted).size).toBe(trusted.length);
      }),
    );
  });
});

describe('phaseSettled', () => {
  const component = fc.record({
    currentHash: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
    nextHash: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
    observed: fc.option(fc.record({ specHash: fc.constantFrom('a', 'b'), healthy: fc.boolean(), phase: fc.constantFrom('running', 'starting') }), { nil: null }),
    hostActive: fc.boolean(),
  });

  it('is settled exactly when every wanted component is written and healthy on the wanted spec', () => {
    fc.assert(
      fc.property(fc.array(component, { maxLength: 8 }), (components: SettleComponent[]) => {
        const wanted = components.filter((c) => c.nextHash !== null);
        const ok = (c: SettleComponent) =>
          c.hostActive === true && c.currentHash === c.nextHash && c.observed?.specHash === c.nextHash && c.observed.healthy && c.observed.phase === 'running';
        expect(phaseSettled(components)).toBe(wanted.length > 0 && wanted.every(ok));
        expect(phaseProgress(components)).toEqual({ total: wanted.length, settled: wanted.filter(ok).length });
      }),
    );
  });

  it('is not settled while a spec change is held back by the rollout', () => {
    expect(phaseSettled([{ currentHash: 'a', nextHash: 'b', observed: { specHash: 'a', healthy: true } }])).toBe(false);
    expect(phaseSettled([{ currentHash: 'b', nextHash: 'b', observed: { specHash: 'b', healthy: true } }])).toBe(true);
  });
});

describe('pemBundle', () => {
  const pem = (n: number) => `-----BEGIN CERTIFICATE-----\nMII${n}\n-----END CERTIFICATE-----`;
  it('joins certificates in order, one newline each, without duplicates', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 6 }), (ids) => {
        const bundle = pemBundle(ids.map((i) => (i % 2 ? `${pem(i)}\n` : pem(i))));
        const unique = [...new Set(ids)];
        expect(bundle).toBe(unique.map((i) => `${pem(i)}\n`).join(''));
      }),
    );
  });
});
