import type { ComponentPhase, ComponentSpec, DesiredComponent, InitStep, ObservedComponent } from '@corral/contracts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Logger } from 'pino';
import { Backoff, type BackoffOptions } from '@corral/domain';
import { sleep } from '@corral/domain';
import { writeFileAtomic } from '../state-dir/atomic-write';
import { Wakeup, whenAborted } from '../util/abortable';
import { componentFilePath, writeComponentFiles } from './component-files';
import { blockedByDependencies, type DependencyView } from './dependency-gate';

const STARTUP_PROBE_INTERVAL_MS = 250;
import { expandComponentSpec, type PlaceholderValues } from '@corral/contracts';
import type { ExitInfo, ProcessDriver, ProcessHandle } from './process-driver';
import type { ProcessRecordStore } from './process-records';
import { runProbe } from './probe';
import type { RotatingLogFile } from './rotating-log-file';

export interface RunnerTuning {
  restartBackoff: BackoffOptions;
  /** a run this long counts as stable: backoff and crash-loop state start over */
  stableRunMs: number;
  /** this many failed runs in a row without a stable one flag a crash loop */
  crashLoopThreshold: number;
  lastLogLines: number;
}

export interface RunnerContext {
  driver: ProcessDriver;
  records: ProcessRecordStore;
  log: RotatingLogFile;
  componentDir: string;
  dataDir: string;
  host: Omit<PlaceholderValues, 'componentDir' | 'dataDir'>;
  dependencies: DependencyView;
  logger: Logger;
  tuning: RunnerTuning;
  /** streams an init step's download (a server path such as /v1/agent/etcd-snapshots/<id>/data) into a file (0600), hashing it */
  download(path: string, file: string, signal?: AbortSignal): Promise<{ sha256: string; bytes: number }>;
  onChange(): void;
}

type Outcome = { kind: 'aborted' } | { kind: 'exited'; info: ExitInfo } | { kind: 'probe-failed'; message: string };

const DEFAULT_STOP_GRACE_SECONDS = 10;
/** an init step still running when the runner stops gets this long after SIGTERM */
const INIT_STEP_STOP_GRACE_MS = 5_000;
/** done-markers of init steps, under ${dataDir}: they go when the data dir is wiped */
export const INIT_MARKER_DIR = '.corral-init';
const INIT_STEP_NAME = /^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Keeps one component running: waits for its dependencies, writes its files, starts it,
 * probes it, restarts it with backoff when it exits or fails its probe, and reports what it
 * sees. One runner per (component, specHash); a spec change replaces the runner.
 */
export class ComponentRunner {
  readonly name: string;
  readonly specHash: string;
  readonly spec: ComponentSpec;
  /** the init steps as the server sent them (placeholders unexpanded): what their done-markers are keyed by */
  private readonly rawInit: readonly InitStep[];
  private phase: ComponentPhase = 'pending';
  private healthy = false;
  private pid: number | null = null;
  private exitCode: number | null = null;
  private message: string | null = null;
  private since = new Date().toISOString();
  private crashLoop = false;
  private lastLogLines: string[] | undefined;
  /** why the previous run ended, kept until a new run is healthy: a restart in progress still says what failed */
  private previousRunFailure: string | null = null;
  private handle: ProcessHandle | null;
  private relaunch = false;
  private failedRuns = 0;
  private readonly backoff: Backoff;
  private readonly lifetime = new AbortController();
  private readonly wake = new Wakeup();
  private loopDone: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(
    desired: DesiredComponent,
    private readonly ctx: RunnerContext,
    private restarts = 0,
    adopted: ProcessHandle | null = null,
  ) {
    this.name = desired.name;
    this.specHash = desired.specHash;
    this.spec = expandComponentSpec(desired.spec, { ...ctx.host, componentDir: ctx.componentDir, dataDir: ctx.dataDir });
    this.rawInit = desired.spec.init ?? [];
    this.handle = adopted;
    this.backoff = new Backoff(ctx.tuning.restartBackoff);
    this.logger = ctx.logger.child({ component: this.name, specHash: this.specHash });
  }

  start(): void {
    this.loopDone = this.loop().catch((err: Error) => {
      this.logger.error({ err }, 'component loop failed');
      this.set('failed', { message: `agent error: ${err.message}` });
    });
  }

  /** Something elsewhere changed (e.g. a dependency's health): re-check now. */
  notify(): void {
    this.wake.notify();
  }

  isHealthy(): boolean {
    return this.healthy;
  }

  observe(): ObservedComponent {
    const restartingAfterFailure = this.previousRunFailure !== null && !this.healthy && (this.phase === 'starting' || this.phase === 'pending');
    const showLogs = this.crashLoop || this.phase === 'failed' || this.phase === 'unhealthy' || restartingAfterFailure;
    return {
      name: this.name,
      specHash: this.specHash,
      phase: this.phase,
      healthy: this.healthy,
      restarts: this.restarts,
      pid: this.pid,
      exitCode: this.exitCode,
      message: restartingAfterFailure ? `previous run ${this.previousRunFailure}; ${this.message ?? this.phase}` : this.message,
      since: this.since,
      crashLoop: this.crashLoop,
      ...(showLogs && this.lastLogLines ? { lastLogLines: this.lastLogLines } : {}),
    };
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** Stops the process (SIGTERM, then SIGKILL after the grace period) and the runner. */
  async stop(): Promise<void> {
    this.lifetime.abort();
    await this.loopDone;
    const handle = this.handle;
    this.handle = null;
    if (handle) {
      this.set('stopped', { healthy: false, message: 'stopping' });
      const grace = (this.spec.stopGracePeriodSeconds ?? DEFAULT_STOP_GRACE_SECONDS) * 1000;
      const info = await handle.stop(grace);
      this.logger.info({ pid: handle.pid, ...info }, 'component stopped');
      this.set('stopped', { healthy: false, pid: null, exitCode: info.code, message: 'stopped' });
    } else {
      this.set('stopped', { healthy: false, pid: null, message: 'stopped' });
    }
    this.ctx.records.remove(this.name);
  }

  /**
   * Runs the spec's teardown steps of one phase (the component is being removed for good),
   * each bounded by its timeout; failures go to the component's log and the agent's, and never
   * stop the removal.
   */
  async teardown(when: 'before-stop' | 'after-stop'): Promise<void> {
    for (const step of (this.spec.teardown ?? []).filter((s) => s.when === when)) {
      mkdirSync(this.ctx.componentDir, { recursive: true, mode: 0o700 });
      const result = await runProbe(
        { type: 'exec', command: step.command, timeoutSeconds: step.timeoutSeconds, intervalSeconds: 1, failureThreshold: 1 },
        // as an exec probe's: only from --bin-dir (teardownCommandProblem let nothing else through
        // validateDesiredState; checked again here); the catalog's cleanup is corral-teardown there
        { resolveCommand: (command: string) => this.ctx.driver.resolveInBinDir(command), cwd: this.ctx.componentDir, env: this.processEnv() },
      );
      const what = `teardown (${when}) ${step.command[0]}`;
      this.ctx.log.appendLine(`--- corral-agent ${new Date().toISOString()}: ${what}: ${result.ok ? 'done' : `failed: ${result.message}`}`);
      if (result.ok) this.logger.info({ step: what }, 'teardown step done');
      else this.logger.warn({ step: what, err: result.message }, 'teardown step failed; removing the component anyway');
    }
  }

  /** Stops supervising but leaves the process running, to be adopted by the next agent. */
  async release(): Promise<void> {
    this.lifetime.abort();
    await this.loopDone;
    this.handle?.release();
  }

  private async loop(): Promise<void> {
    const signal = this.lifetime.signal;
    while (!signal.aborted) {
      if (!this.handle) {
        const blocked = blockedByDependencies(this.spec.dependsOn, this.ctx.dependencies);
        if (blocked) {
          this.set('pending', { healthy: false, pid: null, message: blocked });
          await this.wake.wait(2000, signal);
          continue;
        }
        try {
          this.handle = await this.launch();
        } catch (err) {
          // stopped or released while an init step ran: that is not a failure to report
          if (signal.aborted) return;
          const delay = this.backoff.next();
          const message = `cannot start: ${(err as Error).message}; retrying in ${(delay / 1000).toFixed(1)}s`;
          this.logger.warn({ err: (err as Error).message, delayMs: delay }, 'component start failed');
          // e.g. what a failed init step printed
          this.lastLogLines = this.ctx.log.tail(this.ctx.tuning.lastLogLines);
          this.set('failed', { healthy: false, pid: null, message });
          await sleep(delay, signal);
          continue;
        }
        if (signal.aborted) return;
      }
      const handle = this.handle;
      const outcome = await this.supervise(handle);
      if (outcome.kind === 'aborted') return;

      const grace = (this.spec.stopGracePeriodSeconds ?? DEFAULT_STOP_GRACE_SECONDS) * 1000;
      const info = outcome.kind === 'probe-failed' ? await handle.stop(grace) : await handle.stop(0);
      this.handle = null;
      this.ctx.records.remove(this.name);
      this.failedRuns += 1;
      this.crashLoop = this.failedRuns >= this.ctx.tuning.crashLoopThreshold;
      this.lastLogLines = this.ctx.log.tail(this.ctx.tuning.lastLogLines);
      this.relaunch = true;
      const delay = this.backoff.next();
      this.previousRunFailure =
        outcome.kind === 'probe-failed' ? `failed its probe ${this.spec.probe?.failureThreshold} times: ${outcome.message}` : `exited ${describeExit(info)}`;
      const why = this.previousRunFailure;
      this.logger.warn({ pid: handle.pid, ...info, delayMs: delay, crashLoop: this.crashLoop }, why);
      this.set('failed', {
        healthy: false,
        pid: null,
        exitCode: info.code,
        message: `${why}; restarting in ${(delay / 1000).toFixed(1)}s`,
      });
      await sleep(delay, signal);
    }
  }

  private async launch(): Promise<ProcessHandle> {
    mkdirSync(this.ctx.componentDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.ctx.dataDir, { recursive: true, mode: 0o700 });
    writeComponentFiles(this.ctx.componentDir, this.spec.files);
    this.ctx.log.rotateIfNeeded();
    const steps = this.spec.init ?? [];
    for (let i = 0; i < steps.length; i++) await this.runInitStep(steps[i], this.rawInit[i]);
    this.ctx.log.appendLine(`--- corral-agent ${new Date().toISOString()}: starting ${this.name} (spec ${this.specHash})`);
    const handle = await this.ctx.driver.start({
      binary: this.spec.binary,
      args: this.spec.args,
      env: this.processEnv(),
      cwd: this.ctx.componentDir,
      log: this.ctx.log,
    });
    if (handle.startTime) {
      this.ctx.records.write({
        name: this.name,
        pid: handle.pid,
        startTime: handle.startTime,
        specHash: this.specHash,
        startedAt: new Date().toISOString(),
      });
    }
    if (this.relaunch) this.restarts += 1;
    this.logger.info({ pid: handle.pid, restarts: this.restarts }, 'component started');
    return handle;
  }

  /**
   * Runs one init step to completion unless its done-marker says it already did on this data
   * dir: remove its output, fetch and check its downloads, run it, then mark it done. Throws
   * when any of that fails; the loop retries with backoff.
   */
  private async runInitStep(step: InitStep, raw: InitStep): Promise<void> {
    const signal = this.lifetime.signal;
    if (signal.aborted) throw new Error('stopped');
    if (typeof step.name !== 'string' || !INIT_STEP_NAME.test(step.name)) {
      throw new Error(`init step name ${JSON.stringify(step.name)} must be letters, digits, '-', '_' or '.'`);
    }
    const marker = join(this.ctx.dataDir, INIT_MARKER_DIR, initMarkerName(raw));
    if (existsSync(marker)) return;

    this.set('starting', { healthy: false, pid: null, exitCode: null, message: `init step ${step.name}` });
    this.ctx.log.appendLine(`--- corral-agent ${new Date().toISOString()}: init step ${step.name}`);
    this.logger.info({ step: step.name }, 'running init step');
    const downloaded: string[] = [];
    try {
      const output = initStepOutputPath(step, this.ctx.componentDir, this.ctx.dataDir);
      this.ctx.driver.resolveBinary(step.binary);
      // a half-done earlier attempt must never count
      rmSync(output, { recursive: true, force: true });
      for (const d of step.downloads ?? []) {
        if (!SHA256_HEX.test(d.sha256)) throw new Error(`init step ${step.name}: download ${d.path} has no valid sha256`);
        const target = componentFilePath(this.ctx.componentDir, d.path);
        // streamed to a partial file (a snapshot may be far larger than memory), checked, then renamed into place
        const partial = `${target}.partial`;
        mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
        downloaded.push(partial);
        const { sha256: actual } = await this.ctx.download(d.url, partial, signal);
        if (signal.aborted) throw new Error('stopped');
        if (actual !== d.sha256) {
          throw new Error(`init step ${step.name}: sha256 mismatch for ${d.path} (from ${d.url}): expected ${d.sha256}, got ${actual}`);
        }
        downloaded.push(target);
        renameSync(partial, target);
      }
      const handle = await this.ctx.driver.start({
        binary: step.binary,
        args: step.args,
        env: this.processEnv(step.env),
        cwd: this.ctx.componentDir,
        log: this.ctx.log,
      });
      const info = await Promise.race([handle.exited, whenAborted(signal).then(() => null)]);
      if (info === null) {
        await handle.stop(INIT_STEP_STOP_GRACE_MS);
        throw new Error(`init step ${step.name} interrupted: the component is being stopped`);
      }
      // nothing the step left behind in its process group may keep running
      await handle.stop(0);
      if (info.code !== 0 || info.signal) throw new Error(`init step ${step.name} exited ${describeExit(info)}`);
      writeFileAtomic(marker, `${JSON.stringify({ step: step.name, specHash: this.specHash, completedAt: new Date().toISOString() })}\n`, 0o600);
      this.logger.info({ step: step.name }, 'init step done');
    } catch (err) {
      // the log then says why, even when the step never ran (e.g. a hash mismatch)
      if (!signal.aborted) this.ctx.log.appendLine(`--- corral-agent ${new Date().toISOString()}: ${(err as Error).message}`);
      throw err;
    } finally {
      for (const path of downloaded) rmSync(path, { force: true });
    }
  }

  /** A small fixed environment plus the spec's (or an init step's): nothing leaks in from the agent's own. */
  private processEnv(env: Record<string, string> | undefined = this.spec.env): Record<string, string> {
    return {
      PATH: `${this.ctx.host.binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: this.ctx.componentDir,
      ...(env ?? {}),
    };
  }

  /** Watches a running process until it exits, fails its probe too often, or we are told to stop. */
  private async supervise(handle: ProcessHandle): Promise<Outcome> {
    const probe = this.spec.probe;
    if (!probe) this.previousRunFailure = null;
    this.set(probe ? 'starting' : 'running', {
      healthy: !probe,
      pid: handle.pid,
      exitCode: null,
      message: handle.adopted ? 'adopted after agent restart' : null,
    });
    const watch = new AbortController();
    const stopWatch = () => watch.abort();
    this.lifetime.signal.addEventListener('abort', stopWatch, { once: true });
    // a run that stayed up (and healthy, if probed) this long ends a crash loop
    const stable = setInterval(() => {
      if (!this.healthy || (this.failedRuns === 0 && this.backoff.attempts === 0)) return;
      this.forgetFailures();
      this.ctx.onChange();
    }, this.ctx.tuning.stableRunMs);
    try {
      const racers: Array<Promise<Outcome>> = [
        handle.exited.then((info): Outcome => ({ kind: 'exited', info })),
        whenAborted(this.lifetime.signal).then((): Outcome => ({ kind: 'aborted' })),
      ];
      if (probe) racers.push(this.probeUntilFailed(handle, watch.signal));
      const outcome = await Promise.race(racers);
      return this.lifetime.signal.aborted ? { kind: 'aborted' } : outcome;
    } finally {
      clearInterval(stable);
      watch.abort();
      this.lifetime.signal.removeEventListener('abort', stopWatch);
    }
  }

  /** Resolves only when the probe failed failureThreshold times in a row (never if aborted). */
  private async probeUntilFailed(handle: ProcessHandle, signal: AbortSignal): Promise<Outcome> {
    const probe = this.spec.probe!;
    const threshold = Math.max(1, probe.failureThreshold);
    const context = {
      resolveCommand: (command: string) => this.ctx.driver.resolveInBinDir(command),
      cwd: this.ctx.componentDir,
      env: this.processEnv(),
    };
    let failures = 0;
    let lastCountedFailureAt = 0;
    const intervalMs = Math.max(0.1, probe.intervalSeconds) * 1000;
    await sleep((probe.initialDelaySeconds ?? 0) * 1000, signal);
    // Until the first success, probe quickly (as a Kubernetes startup probe would) so a component
    // is seen healthy within a fraction of a second of being ready; failures in that window do
    // not count, and the window is as long as the failure threshold would have allowed anyway.
    const startupUntil = Date.now() + threshold * probe.intervalSeconds * 1000;
    let everHealthy = false;
    while (!signal.aborted) {
      const result = await runProbe(probe, context);
      if (signal.aborted || handle.hasExited()) break;
      const starting = !everHealthy && Date.now() < startupUntil;
      if (result.ok) {
        failures = 0;
        everHealthy = true;
        this.previousRunFailure = null;
        this.set('running', { healthy: true, message: null });
      } else if (starting) {
        this.set('starting', { healthy: false, message: `waiting for the first successful probe: ${result.message}` });
        await sleep(STARTUP_PROBE_INTERVAL_MS, signal);
        continue;
      } else {
        // an early re-probe (see below) may confirm health sooner, but failures count only once
        // per probe interval, so the failure threshold keeps its meaning in time
        if (Date.now() - lastCountedFailureAt >= intervalMs * 0.9) {
          failures += 1;
          lastCountedFailureAt = Date.now();
        }
        this.logger.debug({ failures, threshold, result: result.message }, 'probe failed');
        if (failures >= threshold) return { kind: 'probe-failed', message: result.message };
        const phase = this.phase === 'starting' ? 'starting' : 'unhealthy';
        if (phase === 'unhealthy' && this.phase !== 'unhealthy') this.lastLogLines = this.ctx.log.tail(this.ctx.tuning.lastLogLines);
        this.set(phase, { healthy: false, message: `probe failed (${failures}/${threshold}): ${result.message}` });
      }
      if (failures > 0 && this.spec.dependsOn?.length) {
        // failing, possibly because a dependency is down: look again as soon as anything on
        // this host changes (e.g. the dependency is healthy again), at most every 250 ms
        await sleep(STARTUP_PROBE_INTERVAL_MS, signal);
        await this.wake.wait(Math.max(0, intervalMs - (Date.now() - lastCountedFailureAt)), signal);
      } else {
        await sleep(intervalMs, signal);
      }
    }
    return new Promise<Outcome>(() => undefined);
  }

  private forgetFailures(): void {
    this.backoff.reset();
    this.failedRuns = 0;
    this.crashLoop = false;
    this.lastLogLines = undefined;
  }

  private set(
    phase: ComponentPhase,
    fields: { healthy?: boolean; pid?: number | null; exitCode?: number | null; message?: string | null } = {},
  ): void {
    const next = {
      healthy: fields.healthy ?? this.healthy,
      pid: fields.pid === undefined ? this.pid : fields.pid,
      exitCode: fields.exitCode === undefined ? this.exitCode : fields.exitCode,
      message: fields.message === undefined ? this.message : fields.message,
    };
    const changed =
      phase !== this.phase ||
      next.healthy !== this.healthy ||
      next.pid !== this.pid ||
      next.exitCode !== this.exitCode ||
      next.message !== this.message;
    if (!changed) return;
    if (phase !== this.phase) this.since = new Date().toISOString();
    this.phase = phase;
    Object.assign(this, next);
    this.ctx.onChange();
  }
}

/** `<step name>-<short sha256 of the step as sent>`: a changed step runs again, an unchanged one never */
export function initMarkerName(step: InitStep): string {
  return `${step.name}-${createHash('sha256').update(JSON.stringify(step)).digest('hex').slice(0, 16)}`;
}

/** An init step's output (placeholders expanded): strictly inside the data or component dir, and not the markers. */
export function initStepOutputPath(step: InitStep, componentDir: string, dataDir: string): string {
  const output = typeof step.output === 'string' && step.output !== '' ? resolve(componentDir, step.output) : '';
  const inside = (dir: string) => {
    const rel = relative(dir, output);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  const markers = join(dataDir, INIT_MARKER_DIR);
  if (!output || !(inside(dataDir) || inside(componentDir)) || output === markers || inside(markers)) {
    throw new Error(`init step ${step.name}: output ${JSON.stringify(step.output)} must be inside the component's data or component directory`);
  }
  return output;
}

function describeExit(info: ExitInfo): string {
  if (info.signal) return `on signal ${info.signal}`;
  if (info.code !== null) return `with code ${info.code}`;
  return '(exit status unknown: adopted process)';
}
