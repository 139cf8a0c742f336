import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { ComponentSpec } from '@corral/contracts';
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

  async sideBySide(hostId: string) {
    const [desired, observed] = await Promise.all([this.desired.listForHost(hostId), this.statuses.find({ where: { hostId } })]);
    const byName = new Map(observed.map((s) => [s.name, s]));
    const rows = desired.map((c) => {
      const s = byName.get(c.name);
      byName.delete(c.name);
      return { name: c.name, kind: c.kind, desired: { specHash: c.specHash, generation: c.generation }, observed: s ? observedView(s) : null, upToDate: s?.specHash === c.specHash };
    });
    // still running on the host although no longer desired (being stopped)
    for (const s of byName.values()) rows.push({ name: s.name, kind: 'unknown', desired: null as never, observed: observedView(s), upToDate: false });
    return rows;
  }

  statusesForHosts(hostIds: string[]): Promise<ComponentStatus[]> {
    return hostIds.length ? this.statuses.createQueryBuilder('s').where('s.host_id IN (:...hostIds)', { hostIds }).getMany() : Promise.resolve([]);
  }
}

function observedView(s: ComponentStatus) {
  const { specHash, phase, healthy, restarts, pid, exitCode, message, crashLoop, lastLogLines, since, reportedAt } = s;
  return { specHash, phase, healthy, restarts, pid, exitCode, message, crashLoop, lastLogLines, since, reportedAt };
}
