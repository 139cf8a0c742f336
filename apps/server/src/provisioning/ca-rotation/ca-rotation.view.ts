import type { CaRotationResource } from '@corral/contracts';
import type { CaRotationRecord } from './ca-rotation.store';

/** A rotation as the API shows it (never the CA's key). */
export function caRotationView(environment: string, rotation: CaRotationRecord): CaRotationResource {
  return {
    environment,
    id: rotation.id,
    ca: rotation.ca,
    phase: rotation.phase,
    active: rotation.finishedAt === null,
    progress: rotation.progress,
    phases: rotation.phases,
    requestedBy: rotation.requestedBy,
    startedAt: rotation.startedAt.toISOString(),
    phaseStartedAt: rotation.phaseStartedAt.toISOString(),
    finishedAt: rotation.finishedAt?.toISOString() ?? null,
  };
}
