import type { Logger } from 'pino';
import type { PodNetworkConfig } from './config/pod-network-flags';
import { Iptables } from './firewall/iptables';
import { podNetworkChains, type ChainSpec } from './firewall/pod-network-rules';
import { SyncHealth } from './health/sync-health';
import { RouteTable } from './routes/route-table';
import { processRunner, type CommandRunner } from './system/command';
import { ensureSysctls } from './system/sysctls';

export interface PodNetworkDeps {
  run?: CommandRunner;
  /** root of the sysctl files (default /proc/sys) */
  procSys?: string;
  now?: () => Date;
}

/**
 * The host's share of the pod network: sysctls, routes of our protocol and our iptables chains,
 * checked and repaired at start and every resync period; all of it but the sysctls removed on stop.
 */
export class PodNetwork {
  readonly health = new SyncHealth();
  private readonly routes: RouteTable;
  private readonly iptables: Iptables;
  private readonly chains: ChainSpec[];
  private readonly procSys: string;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private lastFailure: string | null = null;
  private synced = false;
  private readonly warned = new Set<string>();

  constructor(
    private readonly config: PodNetworkConfig,
    private readonly logger: Logger,
    deps: PodNetworkDeps = {},
  ) {
    const run = deps.run ?? processRunner();
    this.routes = new RouteTable(run);
    this.iptables = new Iptables(run, config.iptables);
    this.chains = podNetworkChains(config.clusterCidr);
    this.procSys = deps.procSys ?? '/proc/sys';
    this.now = deps.now ?? (() => new Date());
  }

  /** Syncs now, then every resync period (never two at once) until stop. */
  start(): void {
    const tick = () => {
      this.timer = null;
      if (this.stopping) return;
      this.running = this.sync().then(() => {
        this.running = null;
        if (!this.stopping) this.timer = setTimeout(tick, this.config.resyncPeriodMs);
      });
    };
    tick();
  }

  /**
   * One pass over everything; returns the errors (also recorded for /healthz). A failing step
   * does not stop the others: a gateway that is not reachable yet leaves the rules in place.
   */
  async sync(): Promise<string[]> {
    const errors: string[] = [];
    const changes: string[] = [];
    try {
      const sysctls = await ensureSysctls(this.procSys);
      changes.push(...sysctls.changed.map((s) => `sysctl ${s}`));
      for (const why of sysctls.skipped) this.warnOnce(why, 'sysctl skipped');
    } catch (err) {
      errors.push((err as Error).message);
    }
    try {
      const routes = await this.routes.sync(this.config.routes);
      changes.push(...routes.changes);
      errors.push(...routes.errors.map((e) => e.message));
    } catch (err) {
      errors.push((err as Error).message);
    }
    for (const chain of this.chains) {
      try {
        changes.push(...(await this.iptables.ensure(chain)));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    this.health.record(errors, this.now());
    this.report(changes, errors);
    return errors;
  }

  /** Stops syncing (after a sync in progress) and removes routes, jumps and chains; returns the errors. */
  async stop(): Promise<string[]> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    return this.cleanup();
  }

  private async cleanup(): Promise<string[]> {
    const errors: string[] = [];
    const removed: string[] = [];
    // jumps and chains first: nothing is masqueraded or accepted by rules that are going away
    for (const chain of [...this.chains].reverse()) {
      try {
        removed.push(...(await this.iptables.remove(chain)));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    try {
      removed.push(...(await this.routes.removeAll()).map((r) => `route ${r}`));
    } catch (err) {
      errors.push((err as Error).message);
    }
    if (removed.length > 0) this.logger.info({ removed }, 'removed routes and iptables rules');
    for (const error of errors) this.logger.error({ error }, 'cleanup failed');
    return errors;
  }

  private report(changes: string[], errors: string[]): void {
    for (const change of changes) this.logger.info(change);
    if (errors.length > 0) {
      const failure = errors.join('; ');
      // the same failure every resync is logged once at error level, then at debug
      if (failure !== this.lastFailure) this.logger.error({ errors }, 'sync failed');
      else this.logger.debug({ errors }, 'sync failed again');
      this.lastFailure = failure;
      return;
    }
    if (this.lastFailure !== null) this.logger.info('sync succeeded again');
    else if (!this.synced) {
      const { clusterCidr, nodeCidr, routes } = this.config;
      this.logger.info({ clusterCidr, nodeCidr, routes: routes.map((r) => `${r.cidr} via ${r.via}`) }, 'pod network in place');
    }
    this.lastFailure = null;
    this.synced = true;
    this.logger.debug({ changes: changes.length }, 'sync done');
  }

  private warnOnce(message: string, msg: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.logger.warn({ reason: message }, msg);
  }
}
