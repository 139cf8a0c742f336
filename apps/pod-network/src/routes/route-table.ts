import type { RouteSpec } from '../config/pod-network-flags';
import { runChecked, type CommandRunner } from '../system/command';
import { parseRouteList, planRoutes, ROUTE_PROTOCOL, type InstalledRoute } from './route-plan';

/** The daemon's routes in the main table, through `ip` (iproute2), all tagged with one protocol. */
export class RouteTable {
  constructor(
    private readonly run: CommandRunner,
    private readonly protocol = ROUTE_PROTOCOL,
  ) {}

  async list(): Promise<InstalledRoute[]> {
    const out = await runChecked(this.run, ['ip', '-4', '-j', 'route', 'show', 'table', 'main', 'proto', String(this.protocol)]);
    return parseRouteList(out);
  }

  /**
   * Makes the protocol's routes exactly `desired`. Every command is tried; the failures come
   * back as errors (each names its command), the changes made as lines for the log.
   */
  async sync(desired: readonly RouteSpec[]): Promise<{ changes: string[]; errors: Error[] }> {
    const plan = planRoutes(desired, await this.list());
    const changes: string[] = [];
    const errors: Error[] = [];
    for (const route of plan.replace) {
      try {
        await runChecked(this.run, ['ip', 'route', 'replace', route.cidr, 'via', route.via, 'proto', String(this.protocol)]);
        changes.push(`route ${route.cidr} via ${route.via}`);
      } catch (err) {
        errors.push(err as Error);
      }
    }
    for (const route of plan.remove) {
      try {
        await this.remove(route);
        changes.push(`removed route ${describe(route)}`);
      } catch (err) {
        errors.push(err as Error);
      }
    }
    return { changes, errors };
  }

  /** Removes every route of the protocol; returns what it removed. */
  async removeAll(): Promise<string[]> {
    const removed: string[] = [];
    for (const route of await this.list()) {
      await this.remove(route);
      removed.push(describe(route));
    }
    return removed;
  }

  private async remove(route: InstalledRoute): Promise<void> {
    const metric = route.metric !== 0 ? ['metric', String(route.metric)] : [];
    await runChecked(this.run, ['ip', 'route', 'del', route.dst, 'table', 'main', 'proto', String(this.protocol), ...metric]);
  }
}

function describe(route: InstalledRoute): string {
  return `${route.dst}${route.gateway ? ` via ${route.gateway}` : ''}${route.metric ? ` metric ${route.metric}` : ''}`;
}
