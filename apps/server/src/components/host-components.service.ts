import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { ComponentSpec } from '@corral/contracts';
import { Condition, HostState, deriveComponentConditions, deriveHostConditions } from '@corral/domain';
import { ComponentStatus } from './component-status.entity';
import { DesiredChange, DesiredStateService } from './desired-state.service';

/** Desired and observed state of a host's components, side by side. */
@Injectable()
export class HostComponentsService {
  constructor(
    private readonly desired: DesiredStateService,
    @InjectRepository(ComponentStatus) private readonly statuses: Repository<ComponentStatus>,
  ) {}

  setDesired(host: { id: string; environmentId: string | null }, specs: ComponentSpec[]): Promise<DesiredChange> {
    return this.desired.setHostComponents(host.id, host.environmentId, specs);
  }

  /** Each desired component with what its agent reports and its conditions (hostState: whether those reports are current). */
  async sideBySide(hostId: string, hostState: HostState = 'active') {
    const [desired, observed] = await Promise.all([this.desired.listForHost(hostId), this.statuses.find({ where: { hostId } })]);
    const now = new Date();
    const byName = new Map(observed.map((s) => [s.name, s]));
    const rows = desired.map((c) => {
      const s = byName.get(c.name);
      byName.delete(c.name);
      const conditions = deriveComponentConditions({ desiredSpecHash: c.specHash, observed: s ?? null, hostState, desiredSince: c.updatedAt, now });
      return { name: c.name, kind: c.kind, desired: { specHash: c.specHash, generation: c.generation }, observed: s ? observedView(s) : null, upToDate: s?.specHash === c.specHash, conditions };
    });
    // still running on the host although no longer desired (being stopped)
    for (const s of byName.values()) {
      const conditions = deriveComponentConditions({ desiredSpecHash: null, observed: s, hostState, now });
      rows.push({ name: s.name, kind: 'unknown', desired: null as never, observed: observedView(s), upToDate: false, conditions });
    }
    return rows;
  }

  /** A host's conditions (Connected, ComponentsHealthy) from its state and its sideBySide rows. */
  hostConditions(
    host: { state: HostState; lastHeartbeatAt: Date | null; stateChangedAt?: Date | null; createdAt: Date },
    rows: { name: string; observed: { healthy: boolean; since: Date } | null }[],
  ): Condition[] {
    return deriveHostConditions({
      state: host.state,
      lastHeartbeatAt: host.lastHeartbeatAt,
      stateSince: host.stateChangedAt ?? host.createdAt,
      components: rows.map((r) => ({ name: r.name, healthy: r.observed?.healthy ?? false, since: r.observed?.since ?? host.createdAt })),
      now: new Date(),
    });
  }

  statusesForHosts(hostIds: string[]): Promise<ComponentStatus[]> {
    return hostIds.length ? this.statuses.createQueryBuilder('s').where('s.host_id IN (:...hostIds)', { hostIds }).getMany() : Promise.resolve([]);
  }
}

function observedView(s: ComponentStatus) {
  const { specHash, phase, healthy, restarts, pid, exitCode, message, crashLoop, lastLogLines, since, reportedAt } = s;
  return { specHash, phase, healthy, restarts, pid, exitCode, message, crashLoop, lastLogLines, since, reportedAt };
}
