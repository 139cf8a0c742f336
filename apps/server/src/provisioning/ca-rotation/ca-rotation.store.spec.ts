import { endPhase, type PhaseTiming } from './ca-rotation.store';

describe('endPhase', () => {
  it('ends the running phase at now with its duration, and leaves ended ones as they were', () => {
    const phases: PhaseTiming[] = [
      { phase: 'trust-both', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:01:00.000Z', seconds: 60 },
      { phase: 'reissue', startedAt: '2026-01-01T00:01:00.000Z', endedAt: null, seconds: null },
    ];
    const ended = endPhase(phases, new Date('2026-01-01T00:02:30.250Z'));
    expect(ended).toEqual([phases[0], { phase: 'reissue', startedAt: '2026-01-01T00:01:00.000Z', endedAt: '2026-01-01T00:02:30.250Z', seconds: 90.3 }]);
    expect(phases[1]!.endedAt).toBeNull();
  });
});
