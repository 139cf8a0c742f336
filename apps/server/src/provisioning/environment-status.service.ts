import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Condition, EnvironmentState } from '@corral/domain';
import { Environment } from '../environments/environment.entity';
import { EventsService } from '../events/events.service';

/** Writes an environment's state and conditions, with an event for every transition. */
@Injectable()
export class EnvironmentStatusService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  /** Returns false when the environment's state changed meanwhile (nothing written). */
  async write(env: Environment, next: { state: EnvironmentState; conditions: Condition[]; message: string; reason?: string | null }): Promise<boolean> {
    const stateChanged = env.state !== next.state;
    const before = new Map(env.conditions.map((c) => [c.type, c]));
    const flipped = next.conditions.filter((c) => {
      const old = before.get(c.type);
      return !old || old.status !== c.status || old.reason !== c.reason;
    });
    if (!stateChanged && !flipped.length && JSON.stringify(env.conditions) === JSON.stringify(next.conditions)) return true;
    const written = await this.dataSource.transaction(async (manager) => {
      // conditional on the state this decision was based on: a concurrent deletion wins
      const result = await manager.getRepository(Environment).update(
        { id: env.id, state: env.state },
        { state: next.state, conditions: next.conditions, stateReason: next.reason ?? null, observedGeneration: env.generation },
      );
      if (!result.affected) return false;
      for (const c of flipped) {
        await this.events.record(
          { environmentId: env.id, type: c.status === 'False' ? 'Warning' : 'Normal', reason: `${c.type}${c.status === 'True' ? '' : c.status === 'False' ? 'False' : 'Unknown'}`, message: `${c.type}=${c.status} (${c.reason}): ${c.message}` },
          manager,
        );
      }
      if (stateChanged) {
        await this.events.record(
          { environmentId: env.id, type: next.state === 'degraded' || next.state === 'error' ? 'Warning' : 'Normal', reason: `State${next.state[0].toUpperCase()}${next.state.slice(1)}`, message: `environment ${env.name} is ${next.state}: ${next.message}` },
          manager,
        );
      }
      return true;
    });
    if (!written) return false;
    env.state = next.state;
    env.conditions = next.conditions;
    return true;
  }
}
