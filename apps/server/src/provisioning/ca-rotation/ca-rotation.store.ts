import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { CaRotationPhase, PhaseProgress } from '@corral/domain';
import type { CertificatePem } from '@corral/kube';
import { SecretBox, environmentContext } from '../../crypto/secret-box';

export type CaRotationState = CaRotationPhase | 'completed' | 'cancelled';

/** How long one phase took; `endedAt` null while it runs. */
export interface PhaseTiming {
  phase: CaRotationPhase;
  startedAt: string;
  endedAt: string | null;
  seconds: number | null;
}

/** One rotation of an environment's cluster CA as stored (the new CA opened, when it is still kept apart). */
export interface CaRotationRecord {
  id: string;
  environmentId: string;
  ca: 'cluster';
  phase: CaRotationState;
  /** the new CA while it is not yet the environment's CA (trust-both and reissue) */
  newCa: CertificatePem | null;
  progress: PhaseProgress | null;
  phases: PhaseTiming[];
  requestedBy: string | null;
  startedAt: Date;
  phaseStartedAt: Date;
  finishedAt: Date | null;
}

/** An active rotation: in one of its three phases. */
export type ActiveCaRotation = CaRotationRecord & { phase: CaRotationPhase };

interface Row {
  id: string;
  environment_id: string;
  ca: 'cluster';
  phase: CaRotationState;
  new_ca_encrypted: string | null;
  progress: PhaseProgress | null;
  phases: PhaseTiming[];
  requested_by: string | null;
  started_at: Date;
  phase_started_at: Date;
  finished_at: Date | null;
}

/** The ca_rotations table: reads and the writes of each transition; the new CA sealed like the environment's PKI. */
@Injectable()
export class CaRotationStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  /** The environment's rotation in progress, if any. */
  async active(environmentId: string, manager?: EntityManager): Promise<ActiveCaRotation | null> {
    const [row] = await (manager ?? this.dataSource).query('SELECT * FROM ca_rotations WHERE environment_id = $1 AND finished_at IS NULL', [environmentId]);
    return row ? (this.toRecord(row) as ActiveCaRotation) : null;
  }

  /** The environment's newest rotation, active or ended. */
  async latest(environmentId: string): Promise<CaRotationRecord | null> {
    const [row] = await this.dataSource.query('SELECT * FROM ca_rotations WHERE environment_id = $1 ORDER BY started_at DESC LIMIT 1', [environmentId]);
    return row ? this.toRecord(row) : null;
  }

  /** Inserts a rotation in trust-both; false when one is active already (the partial unique index). */
  async insert(environmentId: string, newCa: CertificatePem, requestedBy: string, now: Date): Promise<CaRotationRecord | false> {
    const phases: PhaseTiming[] = [{ phase: 'trust-both', startedAt: now.toISOString(), endedAt: null, seconds: null }];
    const rows: Row[] = await this.dataSource.query(
      `INSERT INTO ca_rotations (environment_id, phase, new_ca_encrypted, phases, requested_by, started_at, phase_started_at)
       VALUES ($1, 'trust-both', $2, $3, $4, $5, $5)
       ON CONFLICT (environment_id) WHERE finished_at IS NULL DO NOTHING RETURNING *`,
      [environmentId, this.box.seal(JSON.stringify(newCa), environmentContext(environmentId)), JSON.stringify(phases), requestedBy, now],
    );
    return rows[0] ? this.toRecord(rows[0]) : false;
  }

  /**
   * Moves an active rotation on: the running phase's timing ends, the next starts (or the
   * rotation ends as completed/cancelled). `keepNewCa` false clears the sealed new CA. Only
   * moves a rotation still in `from` (false otherwise).
   */
  async transition(manager: EntityManager, rotation: ActiveCaRotation, to: CaRotationState, now: Date, keepNewCa: boolean): Promise<boolean> {
    const phases = endPhase(rotation.phases, now);
    const ended = to === 'completed' || to === 'cancelled';
    if (!ended) phases.push({ phase: to, startedAt: now.toISOString(), endedAt: null, seconds: null });
    const rows = await manager.query(
      `UPDATE ca_rotations SET phase = $3, phases = $4, phase_started_at = $5, finished_at = $6, progress = NULL,
              new_ca_encrypted = CASE WHEN $7::boolean THEN new_ca_encrypted ELSE NULL END
       WHERE id = $1 AND phase = $2 AND finished_at IS NULL RETURNING id`,
      [rotation.id, rotation.phase, to, JSON.stringify(phases), now, ended ? now : null, keepNewCa],
    );
    return rows.length > 0;
  }

  /** Records how far the running phase is, when that changed. */
  async setProgress(rotation: ActiveCaRotation, progress: PhaseProgress): Promise<void> {
    if (rotation.progress?.settled === progress.settled && rotation.progress?.total === progress.total) return;
    await this.dataSource.query('UPDATE ca_rotations SET progress = $2 WHERE id = $1 AND finished_at IS NULL', [rotation.id, JSON.stringify(progress)]);
  }

  /** A deleted environment's rotation ends with it (its new CA's key goes with the rest of its PKI). */
  async cancelForDeletion(manager: EntityManager, environmentId: string): Promise<void> {
    await manager.query(`UPDATE ca_rotations SET phase = 'cancelled', finished_at = now(), new_ca_encrypted = NULL WHERE environment_id = $1 AND finished_at IS NULL`, [environmentId]);
  }

  private toRecord(row: Row): CaRotationRecord {
    return {
      id: row.id,
      environmentId: row.environment_id,
      ca: row.ca,
      phase: row.phase,
      newCa: row.new_ca_encrypted ? (JSON.parse(this.box.open(row.new_ca_encrypted, environmentContext(row.environment_id))) as CertificatePem) : null,
      progress: row.progress,
      phases: row.phases,
      requestedBy: row.requested_by,
      startedAt: row.started_at,
      phaseStartedAt: row.phase_started_at,
      finishedAt: row.finished_at,
    };
  }
}

/** The phase timings with the running one ended at `now`. */
export function endPhase(phases: readonly PhaseTiming[], now: Date): PhaseTiming[] {
  return phases.map((p) =>
    p.endedAt === null ? { ...p, endedAt: now.toISOString(), seconds: Math.round((now.getTime() - Date.parse(p.startedAt)) / 100) / 10 } : p,
  );
}
