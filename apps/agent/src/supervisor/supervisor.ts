import type { DesiredComponent, DesiredState, ObservedComponent } from '@corral/contracts';
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import type { StateDir } from '../state-dir/state-dir';
import { DEFAULT_BACKOFF } from '@corral/domain';
import { ComponentRunner, type RunnerTuning } from './component-runner';
import { ProcessDriver, type ProcessHandle } from './process-driver';
import { ProcessRecordStore } from './process-records';
import { computeReconcileDiff } from './reconcile-diff';
import { unmountAllUnder } from './mounts-under';
import { DEFAULT_LOG_ROTATION, RotatingLogFile, type LogRotationOptions } from './rotating-log-file';

export interface SupervisorOptions {
  stateDir: StateDir;
  binDir: string;
  address: string;
  hostname: string;
  logger: Logger;
  tuning?: Partial<RunnerTuning>;
  logRotation?: LogRotationOptions;
  /** how often adopted processes are checked for life */
  adoptPollMs?: number;
  /** how often log sizes are checked for rotation */
  logSweepMs?: number;
  /** streams an init step's download (a server path) into a file with the host credential; without it such steps fail */
  download?: (path: string, file: string, signal?: AbortSignal) => Promise<{ sha256: string; bytes: number }>;
}

export interface SupervisorSnapshot {
  observedRevision: number;
  components: ObservedComponent[];
}

const ORPHAN_STOP_GRACE_MS = 10_000;

async function noDownloads(path: string): Promise<{ sha256: string; bytes: number }> {
  throw new Error(`cannot download ${path}: this supervisor has no download function`);
}

/**
 * Owns every component on this host: applies desired states one at a time (start new,
 * replace changed, stop and wipe removed), adopts processes a previous agent life left
 * running, and reports the observed state of all of them.
 */
export class Supervisor {
  private readonly runners = new Map<string, ComponentRunner>();
  /** removed components while they shut down, reported as stopped */
  private readonly leaving = new Map<string, ComponentRunner>();
  private readonly driver: ProcessDriver;
  private readonly records: ProcessRecordStore;
  private readonly tuning: RunnerTuning;
  private readonly listeners = new Set<() => void>();
  private readonly logSweep: NodeJS.Timeout;
  private order: string[] = [];
  private observedRevision = 0;
  private queue: Promise<void> = Promise.resolve();
  private firstApply = true;
  private closed = false;

  constructor(private readonly options: SupervisorOptions) {
    options.stateDir.ensure();
    this.driver = new ProcessDriver({ binDir: options.binDir, adoptPollMs: options.adoptPollMs });
    this.records = new ProcessRecordStore(options.stateDir);
    this.tuning = {
      restartBackoff: DEFAULT_BACKOFF,
      stableRunMs: 30_000,
      crashLoopThreshold: 3,
      lastLogLines: 20,
      ...options.tuning,
    };
    this.logSweep = setInterval(() => this.rotateLogs(), options.logSweepMs ?? 10_000);
  }

  /** Called (synchronously) after every observable change. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies a desired state; calls are queued so two never interleave. */
  apply(desired: DesiredState): Promise<void> {
    const run = this.queue.then(() => this.reconcile(desired));
    this.queue = run.catch(() => undefined);
    return run;
  }

  snapshot(): SupervisorSnapshot {
    const components: ObservedComponent[] = [];
    for (const name of this.order) {
      const runner = this.runners.get(name);
      if (runner) components.push(runner.observe());
    }
    for (const runner of this.leaving.values()) components.push(runner.observe());
    return { observedRevision: this.observedRevision, components };
  }

  /**
   * Stops supervising. With stopComponents every process is stopped (grace period, then
   * SIGKILL) and forgotten; otherwise they keep running and the next agent adopts them.
   */
  async close(options: { stopComponents: boolean }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.logSweep);
    await this.queue;
    const runners = [...this.runners.values()];
    if (options.stopComponents) await Promise.all(runners.map((r) => r.stop()));
    else await Promise.all(runners.map((r) => r.release()));
    // runners stay in place so a last snapshot still shows what became of each component
    this.emit();
  }

  private async reconcile(desired: DesiredState): Promise<void> {
    if (this.closed) return;
    const components = desired.components;
    if (this.firstApply) {
      this.firstApply = false;
      await this.stopOrphans(new Set(components.map((c) => c.name)));
    }
    const current = new Map([...this.runners].map(([name, runner]) => [name, runner.specHash]));
    const diff = computeReconcileDiff(current, components);
    if (diff.start.length + diff.restart.length + diff.stop.length > 0) {
      this.options.logger.info(
        {
          revision: desired.revision,
          start: diff.start.map((c) => c.name),
          restart: diff.restart.map((c) => c.name),
          stop: diff.stop,
        },
        'applying desired state',
      );
    }
    this.order = [...new Set(components.map((c) => c.name))];

    // a component goes only after every removed component that depends on it (the kubelet
    // before containerd, whose teardown then finds no kubelet re-creating pods)
    const removing = new Map(diff.stop.map((name) => [name, this.runners.get(name)!]));
    const removed = new Map<string, Promise<void>>();
    const remove = (name: string, path: string[] = []): Promise<void> => {
      const known = removed.get(name);
      if (known) return known;
      const dependents = [...removing.values()].filter((r) => r.spec.dependsOn?.includes(name) && !path.includes(r.name)).map((r) => r.name);
      const done = (async () => {
        await Promise.all(dependents.map((d) => remove(d, [...path, name])));
        const runner = removing.get(name)!;
        this.runners.delete(name);
        this.leaving.set(name, runner);
        this.emit();
        await runner.teardown('before-stop');
        await runner.stop();
        await runner.teardown('after-stop');
        this.wipe(name);
        this.leaving.delete(name);
        this.emit();
      })();
      removed.set(name, done);
      return done;
    };
    await Promise.all(diff.stop.map((name) => remove(name)));
    await Promise.all(
      diff.restart.map(async (component) => {
        const old = this.runners.get(component.name)!;
        await old.stop();
        // files come from the spec; stale ones from the old spec must not linger
        rmSync(this.options.stateDir.componentDir(component.name), { recursive: true, force: true });
        this.runners.set(component.name, this.createRunner(component, old.restartCount, null));
      }),
    );
    for (const component of diff.start) {
      this.runners.set(component.name, this.createRunner(component, 0, await this.adoptOrClear(component)));
    }
    this.observedRevision = desired.revision;
    for (const component of [...diff.restart, ...diff.start]) this.runners.get(component.name)!.start();
    this.emit();
  }

  private createRunner(component: DesiredComponent, restarts: number, adopted: ProcessHandle | null): ComponentRunner {
    const { stateDir, address, hostname, binDir, logger } = this.options;
    return new ComponentRunner(
      component,
      {
        driver: this.driver,
        records: this.records,
        log: new RotatingLogFile(stateDir.logPath(component.name), this.options.logRotation ?? DEFAULT_LOG_ROTATION),
        componentDir: stateDir.componentDir(component.name),
        dataDir: stateDir.dataDir(component.name),
        host: { address, hostname, binDir },
        dependencies: {
          desired: (name) => this.runners.has(name),
          healthy: (name) => this.runners.get(name)?.isHealthy() ?? false,
        },
        logger,
        tuning: this.tuning,
        download: this.options.download ?? noDownloads,
        onChange: () => this.emit(),
      },
      restarts,
      adopted,
    );
  }

  /**
   * A process recorded by an earlier agent life for this component: adopt it when it is
   * still the same process and runs the desired spec; stop it when it runs an old spec.
   */
  private async adoptOrClear(component: DesiredComponent): Promise<ProcessHandle | null> {
    const record = this.records.read(component.name);
    if (!record) return null;
    const handle = this.driver.adopt(record.pid, record.startTime);
    if (!handle) {
      this.options.logger.info({ component: component.name, pid: record.pid }, 'discarding stale process record');
      this.records.remove(component.name);
      return null;
    }
    if (record.specHash === component.specHash) {
      this.options.logger.info({ component: component.name, pid: record.pid }, 'adopted running component');
      return handle;
    }
    this.options.logger.info({ component: component.name, pid: record.pid }, 'stopping component left running with an old spec');
    const grace = (component.spec.stopGracePeriodSeconds ?? 10) * 1000;
    await handle.stop(grace);
    this.records.remove(component.name);
    rmSync(this.options.stateDir.componentDir(component.name), { recursive: true, force: true });
    return null;
  }

  /** Processes an earlier agent life started for components that are no longer desired. */
  private async stopOrphans(desiredNames: Set<string>): Promise<void> {
    await Promise.all(
      this.records
        .list()
        .filter((record) => !desiredNames.has(record.name))
        .map(async (record) => {
          const handle = this.driver.adopt(record.pid, record.startTime);
          if (handle) {
            this.options.logger.info({ component: record.name, pid: record.pid }, 'stopping component no longer desired');
            await handle.stop(ORPHAN_STOP_GRACE_MS);
          }
          this.wipe(record.name);
        }),
    );
  }

  private wipe(name: string): void {
    const { stateDir } = this.options;
    this.records.remove(name);
    for (const dir of [stateDir.componentDir(name), stateDir.dataDir(name)]) {
      const stuck = unmountAllUnder(dir);
      if (stuck.length > 0) this.options.logger.warn({ component: name, stuck }, 'could not unmount before wiping');
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        this.options.logger.warn({ component: name, dir, err: (err as Error).message }, 'could not wipe');
      }
    }
  }

  private rotateLogs(): void {
    for (const name of this.runners.keys()) {
      try {
        new RotatingLogFile(this.options.stateDir.logPath(name), this.options.logRotation ?? DEFAULT_LOG_ROTATION).rotateIfNeeded();
      } catch (err) {
        this.options.logger.warn({ component: name, err: (err as Error).message }, 'log rotation failed');
      }
    }
  }

  private emit(): void {
    for (const runner of this.runners.values()) runner.notify();
    for (const listener of this.listeners) listener();
  }
}
