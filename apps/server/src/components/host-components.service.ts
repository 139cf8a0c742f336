import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { ComponentSpec } from '@corral/contracts';
import { Condition, HostState, deriveComponentConditions, deriveHostConditions } from '@corral/domain';
import { ComponentStatus } from './component-status.entity';
import { DesiredChange, DesiredStateService } from './desired-state.service';
import type { Host } from '../hosts/host.entity';

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

  /**
   * The conditions of many hosts (for lists), from two queries that read only what the
   * conditions need: the same answer hostConditions gives from a host's sideBySide rows.
   */
  async conditionsForHosts(hosts: readonly Host[]): Promise<Map<string, Condition[]>> {
    if (hosts.length === 0) return new Map();
    const hostIds = hosts.map((h) => h.id);
    const [desired, observed] = await Promise.all([
      this.desired.namesForHosts(hostIds),
      this.statuses.createQueryBuilder('s').select(['s.hostId', 's.name', 's.healthy', 's.since']).where('s.host_id IN (:...hostIds)', { hostIds }).getMany(),
    ]);
    const rowsOf = new Map<string, Map<string, { name: string; observed: { healthy: boolean; since: Date } | null }>>(hostIds.map((id) => [id, new Map()]));
    for (const c of desired) rowsOf.get(c.hostId)!.set(c.name, { name: c.name, observed: null });
    // observed but no longer desired (being stopped) counts too, as in sideBySide
    for (const s of observed) rowsOf.get(s.hostId)!.set(s.name, { name: s.name, observed: { healthy: s.healthy, since: s.since } });
    return new Map(hosts.map((h) => [h.id, this.hostConditions(h, [...rowsOf.get(h.id)!.values()])]));
  }

  statusesForHosts(hostIds: string[]): Promise<ComponentStatus[]> {
    return hostIds.length ? this.statuses.createQueryBuilder('s').where('s.host_id IN (:...hostIds)', { hostIds }).getMany() : Promise.resolve([]);
  }
}

function observedView(s: ComponentStatus) {
  const { specHash, phase, healthy, restarts, pid, exitCode, message, crashLoop, lastLogLines, since, reportedAt } = s;
  return { specHash, phase, healthy, restarts, pid, exitCode, message, crashLoop, lastLogLines, since, reportedAt };
}
