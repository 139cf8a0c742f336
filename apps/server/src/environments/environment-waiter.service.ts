import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { EnvironmentWaitResponse, WaitOutcomeView } from '@corral/contracts';
import { EnvironmentState, assessWait } from '@corral/domain';
import { Environment } from './environment.entity';
import { environmentView } from './environment.view';
import { EnvironmentEventsNotifier } from '../events/environment-events-notifier';

/** Re-reads at least this often even without a wake-up (a lost pub/sub message costs this much). */
const RECHECK_MS = 5000;

/**
 * GET /v1/environments/{env}?waitFor=<state>&timeout=<s>: blocks until the environment reaches
 * the state, fails (see assessWait), or the timeout passes; woken by the environment's events
 * from any replica. Always answers with the environment as it is and how the wait ended.
 */
@Injectable()
export class EnvironmentWaiter {
  constructor(
    @InjectRepository(Environment) private readonly environments: Repository<Environment>,
    private readonly notifier: EnvironmentEventsNotifier,
  ) {}

  async waitFor(env: Environment, target: EnvironmentState, timeoutMs: number, signal: AbortSignal): Promise<EnvironmentWaitResponse> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    let current: Environment = env;
    const answer = (result: WaitOutcomeView['result'], failure?: WaitOutcomeView['failure']): EnvironmentWaitResponse => ({
      ...environmentView(current),
      wait: { for: target, result, ...(failure ? { failure } : {}), waitedMs: Date.now() - started },
    });
    // bounded: every turn waits until a wake-up, RECHECK_MS or the deadline
    for (;;) {
      const outcome = assessWait(current, target);
      if (outcome.result === 'reached') return answer('reached');
      if (outcome.result === 'failed') return answer('failed', { reason: outcome.reason, message: outcome.message, ...(outcome.condition ? { condition: outcome.condition } : {}) });
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted || this.notifier.closing) return answer('timedOut');
      await this.notifier.waitForEvent(env.id, Math.min(left, RECHECK_MS), signal);
      const fresh = await this.environments.findOneBy({ id: env.id });
      // rows of deleted environments are removed: what was last seen, now deleted
      current = fresh && fresh.state !== 'deleted' ? fresh : Object.assign(new Environment(), current, { state: 'deleted' as const });
    }
  }
}
