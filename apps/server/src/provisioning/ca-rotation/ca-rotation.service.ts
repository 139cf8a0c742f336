import { ConflictException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { canCancelCaRotation, nextCaRotationStep, phaseProgress, type CaRotationPhase, type ConditionInput, type PhaseProgress, type SettleComponent } from '@corral/domain';
import { createCertificateAuthority } from '@corral/kube';
import type { Environment } from '../../environments/environment.entity';
import { EventsService } from '../../events/events.service';
import { withAdvisoryLock } from '../../persistence/advisory-lock';
import { EnvironmentPkiService } from '../environment-pki.service';
import { CaRotationStore, type ActiveCaRotation, type CaRotationRecord } from './ca-rotation.store';

const PHASE_REASON: Record<CaRotationPhase, string> = { 'trust-both': 'TrustBoth', reissue: 'Reissue', 'drop-old': 'DropOld' };
const PHASE_WORK: Record<CaRotationPhase, string> = {
  'trust-both': 'every component trusts the old and the new cluster CA',
  reissue: 'every certificate of the cluster CA is issued anew by the new CA',
  'drop-old': 'every component trusts the new cluster CA only',
};

/**
 * Rotation of an environment's cluster CA (see libs/domain ca-rotation for the phases): start
 * and cancel through the API, and one step per reconcile, which moves the rotation on once
 * every component runs healthy on the spec written for its phase.
 */
@Injectable()
export class CaRotationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: CaRotationStore,
    private readonly pki: EnvironmentPkiService,
    private readonly events: EventsService,
  ) {}

  /** Starts a rotation: a new CA, trusted next to the old one. 409 while one runs or before the environment has a PKI. */
  async start(env: Environment, requestedBy: string, now = new Date()): Promise<CaRotationRecord> {
    if (env.state === 'deleting' || env.state === 'deleted') throw new ConflictException(`environment ${env.name} is being deleted`);
    return withAdvisoryLock(this.dataSource, `environment-${env.id}`, async () => {
      const secrets = await this.pki.load(env.id);
      if (!secrets) throw new ConflictException(`environment ${env.name} has no certificates yet; rotate its CA once it is provisioning`);
      const running = await this.store.active(env.id);
      if (running) throw this.busy(env, running);
      const newCa = await createCertificateAuthority(`${env.name}-ca`, now);
      const rotation = await this.store.insert(env.id, newCa, requestedBy, now);
      if (!rotation) throw this.busy(env, (await this.store.active(env.id))!);
      await this.events.record({ environmentId: env.id, reason: 'CARotationStarted', message: `cluster CA rotation started by ${requestedBy}: a new CA; phase trust-both: ${PHASE_WORK['trust-both']}` });
      return rotation;
    });
  }

  /** Cancels a rotation still in trust-both (the new CA is dropped; components go back to the old CA alone). */
  async cancel(env: Environment, now = new Date()): Promise<CaRotationRecord> {
    return withAdvisoryLock(this.dataSource, `environment-${env.id}`, async () => {
      const rotation = await this.store.active(env.id);
      if (!rotation) throw new ConflictException(`environment ${env.name} has no CA rotation in progress`);
      if (!canCancelCaRotation(rotation.phase)) {
        throw new ConflictException(`the CA rotation of ${env.name} is in phase ${rotation.phase}: certificates of the new CA exist, so it can only go forward`);
      }
      await this.dataSource.transaction((manager) => this.store.transition(manager, rotation, 'cancelled', now, false));
      await this.events.record({ environmentId: env.id, type: 'Warning', reason: 'CARotationCancelled', message: 'cluster CA rotation cancelled in trust-both: the new CA is dropped and components trust the old CA alone again' });
      return (await this.store.latest(env.id))!;
    });
  }

  /** The newest rotation of the environment (null when it never had one). */
  latest(environmentId: string): Promise<CaRotationRecord | null> {
    return this.store.latest(environmentId);
  }

  /**
   * One reconcile's step, under the reconcile's lock, after this phase's specs were written:
   * records progress; when every component is settled on them, ends the phase and starts the
   * next (drop-old makes the new CA the environment's CA in the same transaction). Returns the
   * CARotation condition to set (null when the environment never rotated its CA) and whether a
   * rotation is still under way.
   */
  async step(env: Environment, rotation: ActiveCaRotation | null, components: readonly SettleComponent[], now = new Date()): Promise<{ condition: ConditionInput | null; active: boolean }> {
    if (!rotation) {
      const last = await this.store.latest(env.id);
      return { condition: last ? endedCondition(last) : null, active: false };
    }
    const progress = phaseProgress(components);
    const next = nextCaRotationStep(rotation.phase, progress.total > 0 && progress.settled === progress.total);
    if (next.action === 'wait') {
      await this.store.setProgress(rotation, progress);
      return { condition: activeCondition(rotation.phase, progress), active: true };
    }
    const to = next.action === 'complete' ? 'completed' : next.to;
    const moved = await this.dataSource.transaction(async (manager) => {
      if (to === 'drop-old') await this.pki.replaceClusterCa(manager, env.id, rotation.newCa!);
      return this.store.transition(manager, rotation, to, now, to === 'reissue');
    });
    if (!moved) return { condition: activeCondition(rotation.phase, progress), active: true };
    const took = ((now.getTime() - rotation.phaseStartedAt.getTime()) / 1000).toFixed(1);
    await this.events.record({ environmentId: env.id, reason: 'CARotationPhaseCompleted', message: `cluster CA rotation: phase ${rotation.phase} done in ${took} s (${progress.total} components healthy on it)` });
    if (to === 'completed') {
      await this.events.record({ environmentId: env.id, reason: 'CARotationCompleted', message: 'cluster CA rotation completed: the old CA is gone; certificates it issued (old kubeconfigs) are refused' });
      return { condition: endedCondition({ phase: 'completed', finishedAt: now }), active: false };
    }
    await this.events.record({ environmentId: env.id, reason: 'CARotationPhaseStarted', message: `cluster CA rotation: phase ${to}: ${PHASE_WORK[to]}` });
    return { condition: activeCondition(to, { total: progress.total, settled: 0 }), active: true };
  }

  private busy(env: Environment, running: CaRotationRecord): ConflictException {
    return new ConflictException(`environment ${env.name} is rotating its cluster CA already (phase ${running.phase}, started ${running.startedAt.toISOString()})`);
  }
}

function activeCondition(phase: CaRotationPhase, progress: PhaseProgress): ConditionInput {
  return {
    type: 'CARotation',
    status: 'True',
    reason: PHASE_REASON[phase],
    message: `phase ${phase}: ${PHASE_WORK[phase]}; ${progress.settled}/${progress.total} components healthy on it`,
  };
}

function endedCondition(last: Pick<CaRotationRecord, 'phase' | 'finishedAt'>): ConditionInput {
  if (last.phase === 'cancelled') return { type: 'CARotation', status: 'False', reason: 'Cancelled', message: `the last cluster CA rotation was cancelled at ${last.finishedAt?.toISOString()}` };
  return { type: 'CARotation', status: 'False', reason: 'Completed', message: `the last cluster CA rotation completed at ${last.finishedAt?.toISOString()}` };
}
