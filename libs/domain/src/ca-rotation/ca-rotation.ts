import { isHealthyOnSpec } from '../reconcile/component-key';

/**
 * Rotation of an environment's cluster CA, as Kubernetes' "Manual Rotation of CA
 * Certificates" and RKE2's `certificate rotate-ca` do it, in three phases:
 *
 * 1. `trust-both`: a new CA exists; every trust bundle holds the old and the new CA; every
 *    leaf certificate is still the old CA's and the old CA still signs;
 * 2. `reissue`: every leaf is issued anew by the new CA, which now signs; trust stays both;
 * 3. `drop-old`: the new CA is the environment's CA; trust bundles hold it alone, so a
 *    certificate of the old CA (a leaked kubeconfig) is refused from then on.
 *
 * A phase ends only when every component of the environment runs healthy on the spec written
 * for that phase (`phaseSettled`); the rollout restarts components one at a time meanwhile.
 * Cancelling is allowed in `trust-both` only: no leaf of the new CA exists yet, so dropping
 * the new CA takes the environment back to where it was. From `reissue` on, leaves of the new
 * CA exist and the rotation can only go forward.
 */
export const CA_ROTATION_PHASES = ['trust-both', 'reissue', 'drop-old'] as const;
export type CaRotationPhase = (typeof CA_ROTATION_PHASES)[number];

/** What the reconcile does with an active rotation after writing this phase's specs. */
export type CaRotationStep =
  | { action: 'wait' }
  | { action: 'advance'; to: CaRotationPhase }
  | { action: 'complete' };

/** The next step of a rotation in `phase`, given whether every component is healthy on that phase's spec. */
export function nextCaRotationStep(phase: CaRotationPhase, settled: boolean): CaRotationStep {
  if (!settled) return { action: 'wait' };
  const index = CA_ROTATION_PHASES.indexOf(phase);
  if (index === CA_ROTATION_PHASES.length - 1) return { action: 'complete' };
  return { action: 'advance', to: CA_ROTATION_PHASES[index + 1] };
}

/** Whether a rotation in `phase` may still be cancelled (only before any leaf of the new CA exists). */
export function canCancelCaRotation(phase: CaRotationPhase): boolean {
  return phase === 'trust-both';
}

/**
 * Which CA signs and which CAs are trusted in each phase. `current` is the environment's CA
 * as stored; `next` the rotation's new CA (none outside a rotation, and none in `drop-old`,
 * where the new CA has become the current one). The bundle lists the signing CA first.
 */
export function caRotationTrust<Ca>(phase: CaRotationPhase | null, current: Ca, next: Ca | null): { signing: Ca; trusted: Ca[] } {
  if (phase === 'trust-both' && next !== null) return { signing: current, trusted: [current, next] };
  if (phase === 'reissue' && next !== null) return { signing: next, trusted: [next, current] };
  return { signing: current, trusted: [current] };
}

/** One component as the settle check sees it (a subset of RolloutComponent). */
export interface SettleComponent {
  currentHash: string | null;
  nextHash: string | null;
  observed: { specHash: string; healthy: boolean; phase?: string } | null;
  /** a report from a host that is not active is stale: never settled (default true) */
  hostActive?: boolean;
}

export interface PhaseProgress {
  /** components wanted in this phase */
  total: number;
  /** of them, written with this phase's spec and healthy on it */
  settled: number;
}

/**
 * How many of the environment's components run healthy on the spec wanted now: written (the
 * rollout no longer holds it back) and reported healthy on that very spec. Components going
 * away do not count. A component on a host that is away is not settled: the rotation waits
 * for it, so no host is left behind trusting only a CA that is about to go.
 */
export function phaseProgress(components: readonly SettleComponent[]): PhaseProgress {
  const wanted = components.filter((c) => c.nextHash !== null);
  const settled = wanted.filter(
    (c) =>
      c.hostActive !== false &&
      c.currentHash === c.nextHash &&
      isHealthyOnSpec(c.observed && { ...c.observed, phase: c.observed.phase ?? 'running' }, c.nextHash ?? undefined),
  );
  return { total: wanted.length, settled: settled.length };
}

/** Every wanted component settled on this phase's spec (and there is at least one). */
export function phaseSettled(components: readonly SettleComponent[]): boolean {
  const { total, settled } = phaseProgress(components);
  return total > 0 && settled === total;
}

/** A PEM bundle of the given certificates, each ending in one newline, in order, without duplicates. */
export function pemBundle(certificatesPem: readonly string[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const pem of certificatesPem) {
    const text = pem.trim();
    if (!text || seen.has(text)) continue;
    seen.add(text);
    parts.push(`${text}\n`);
  }
  return parts.join('');
}
