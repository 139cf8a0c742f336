import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { ObservedComponent, StatusReport } from '@corral/contracts';
import { ComponentStatus } from './component-status.entity';
import type { Host } from '../hosts/host.entity';
import { EventsService, NewEvent } from '../events/events.service';
import { AGENT_DATABASE } from '../persistence/agent-database';

/**
 * Takes an agent's full snapshot: replaces the host's observed state and records an event for
 * every transition (phase, health, restarts). Returns whether anything changed.
 */
@Injectable()
export class StatusIngestionService {
  constructor(
    // the agent protocol's own pool: API load cannot hold up a host's report
    @InjectDataSource(AGENT_DATABASE) private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  async ingest(host: Host, report: StatusReport): Promise<boolean> {
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(ComponentStatus);
      const previous = new Map((await repo.find({ where: { hostId: host.id } })).map((s) => [s.name, s]));
      const transitions: NewEvent[] = [];
      for (const observed of report.components) {
        transitions.push(...describeTransition(host, previous.get(observed.name), observed));
        previous.delete(observed.name);
      }
      // one statement for the whole snapshot: this runs on every heartbeat of every host
      if (report.components.length) {
        await repo.upsert(
          report.components.map((observed) => ({
            hostId: host.id,
            name: observed.name,
            specHash: observed.specHash,
            phase: observed.phase,
            healthy: observed.healthy,
            restarts: observed.restarts,
            pid: observed.pid ?? null,
            exitCode: observed.exitCode ?? null,
            message: observed.message ?? null,
            crashLoop: observed.crashLoop ?? false,
            lastLogLines: observed.lastLogLines ?? [],
            since: new Date(observed.since),
            reportedAt: now,
          })),
          ['hostId', 'name'],
        );
      }
      if (previous.size) await repo.delete({ hostId: host.id, name: In([...previous.keys()]) });
      for (const gone of previous.values()) {
        transitions.push({ environmentId: host.environmentId, hostId: host.id, component: gone.name, reason: 'ComponentGone', message: `${gone.name} on ${host.hostname} is no longer running` });
      }
      for (const event of transitions) await this.events.record(event, manager);
      return transitions.length > 0;
    });
  }
}

function describeTransition(host: Host, before: ComponentStatus | undefined, now: ObservedComponent): NewEvent[] {
  const base = { environmentId: host.environmentId, hostId: host.id, component: now.name };
  const where = `${now.name} on ${host.hostname}`;
  const events: NewEvent[] = [];
  if (before && now.restarts > before.restarts) {
    const tail = now.lastLogLines?.length ? `; last log: ${now.lastLogLines.slice(-3).join(' | ')}` : '';
    events.push({ ...base, type: 'Warning', reason: now.crashLoop ? 'ComponentCrashLoop' : 'ComponentRestarted', message: `${where} restarted (restart ${now.restarts}${now.exitCode != null ? `, exit code ${now.exitCode}` : ''})${tail}` });
  }
  if (!before || before.phase !== now.phase || before.healthy !== now.healthy) {
    const unhealthy = now.phase === 'unhealthy' || now.phase === 'failed';
    events.push({
      ...base,
      type: unhealthy ? 'Warning' : 'Normal',
      reason: `Component${now.phase[0].toUpperCase()}${now.phase.slice(1)}`,
      message: `${where} is ${now.phase}${now.healthy ? ' and healthy' : ''}${now.message ? `: ${now.message}` : ''}`,
    });
  }
  return events;
}
