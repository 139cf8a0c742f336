import { ListWatch, NetworkingV1Api, type KubeConfig, type V1Ingress, type V1IngressList } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ingressKey, type IngressRule } from '../rules/ingress-rules';
import type { IngressRuleTable } from '../rules/ingress-rule-table';
import { Backoff, type BackoffOptions } from '@corral/domain';

/** Informer restarts: half a second first, so a brief apiserver blip heals fast. */
const WATCH_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, jitter: 0.3 };
import { describeError } from '../util/describe-error';
import { TrackedWatch } from './tracked-watch';
import { WatchHealth, type HealthStatus } from './watch-health';

/** networking.k8s.io/v1 Ingresses across all namespaces */
export const INGRESS_PATH = '/apis/networking.k8s.io/v1/ingresses';

export interface IngressWatcherOptions {
  backoff?: BackoffOptions;
  /** a list request that takes longer counts as failed (client-node sets no timeout on it) */
  listTimeoutMs?: number;
  reconnectGraceMs?: number;
  /** a connection that lasted this long resets the restart backoff */
  stableConnectionMs?: number;
  now?: () => number;
}

/**
 * Owns the Ingress informer: feeds its add/update/delete events into the rule table and the
 * log, tracks the apiserver link for /healthz, and restarts the informer with backoff and
 * jitter whenever it stops on an error (client-node informers do not restart themselves after
 * an error). This is makeInformer() built by hand, to give it a TrackedWatch.
 */
export class IngressWatcher {
  private readonly informer: ListWatch<V1Ingress>;
  private readonly watch: TrackedWatch;
  private readonly health: WatchHealth;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private readonly listTimeoutMs: number;
  private readonly stableConnectionMs: number;
  private restartTimer: NodeJS.Timeout | null = null;
  private started = false;
  private closing = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly table: IngressRuleTable,
    private readonly logger: Logger,
    options: IngressWatcherOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.listTimeoutMs = options.listTimeoutMs ?? 30_000;
    this.stableConnectionMs = options.stableConnectionMs ?? 10_000;
    this.backoff = new Backoff(options.backoff ?? WATCH_BACKOFF);
    this.health = new WatchHealth({ reconnectGraceMs: options.reconnectGraceMs ?? 5_000 }, this.now());
    const api = kubeConfig.makeApiClient(NetworkingV1Api);
    this.watch = new TrackedWatch(kubeConfig, {
      attempt: () => this.onWatchAttempt(),
      connected: () => this.onWatchConnected(),
      ended: (err, wasConnected) => this.onWatchEnded(err, wasConnected),
    });
    this.informer = new ListWatch<V1Ingress>(INGRESS_PATH, this.watch, () => this.listIngresses(api), false);
    this.informer.on('add', (ingress) => this.guard('add', () => this.onApplied(ingress)));
    this.informer.on('update', (ingress) => this.guard('update', () => this.onApplied(ingress)));
    this.informer.on('delete', (ingress) => this.guard('delete', () => this.onDeleted(ingress)));
    this.informer.on('error', (err) => this.onInformerError(err));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.logger.info({ path: INGRESS_PATH }, 'starting ingress informer');
    this.runInformer();
  }

  status(): HealthStatus {
    return this.health.status(this.now());
  }

  async stop(): Promise<void> {
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.watch.close();
    await this.informer.stop();
  }

  private runInformer(): void {
    if (this.closing) return;
    // errors surface as the informer's 'error' event; a rejection here would be a client-node bug
    this.informer.start().catch((err: unknown) => this.onInformerError(err));
  }

  private async listIngresses(api: NetworkingV1Api): Promise<V1IngressList> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`list ingresses: no answer within ${this.listTimeoutMs} ms`)), this.listTimeoutMs);
    });
    try {
      const list = await Promise.race([api.listIngressForAllNamespaces(), timeout]);
      this.logger.debug({ ingresses: list.items.length, resourceVersion: list.metadata?.resourceVersion }, 'listed ingresses');
      return list;
    } finally {
      clearTimeout(timer);
    }
  }

  private onWatchAttempt(): void {
    if (this.closing) return;
    // the informer watches only after it applied a full list to its cache
    if (this.health.markSynced()) {
      this.logger.info({ ingresses: this.table.ingressCount, resourceVersion: this.informer.latestResourceVersion() }, 'ingress informer synced');
    }
    this.health.attempt(this.now());
  }

  private onWatchConnected(): void {
    if (this.closing) return;
    const recovered = this.health.connected(this.now());
    const fields = { resourceVersion: this.informer.latestResourceVersion(), ingresses: this.table.ingressCount };
    if (recovered) this.logger.info(fields, 'apiserver watch reconnected');
    else this.logger.debug(fields, 'apiserver watch connected');
  }

  private onWatchEnded(err: unknown, wasConnected: boolean): void {
    if (this.closing) return;
    const timedOutWhileIdle = wasConnected && (err as { name?: string } | null)?.name === 'TimeoutError';
    if (err === null || err === undefined || timedOutWhileIdle) {
      this.health.endedNormally(this.now());
      this.logger.debug({ idleTimeout: timedOutWhileIdle }, 'apiserver watch ended; reconnecting');
      return;
    }
    const reason = describeError(err);
    this.health.failed(reason, this.now());
    // other errors stop the informer, and onInformerError logs them; a timed-out attempt does not
    const timedOut = (err as { name?: string }).name === 'TimeoutError';
    this.logger[timedOut ? 'warn' : 'debug']({ err: reason, wasConnected }, wasConnected ? 'apiserver watch dropped' : 'apiserver watch attempt failed');
  }

  /** The informer stops on every error it reports: restart it after a backoff delay. */
  private onInformerError(err: unknown): void {
    if (this.closing || this.restartTimer) return;
    if (this.health.takeLastConnectionMs() >= this.stableConnectionMs) this.backoff.reset();
    const delay = this.backoff.next();
    const now = this.now();
    const reason = describeError(err);
    this.health.failed(reason, now, now + delay);
    this.logger.warn({ err: reason, attempt: this.backoff.attempts, retryInMs: delay }, 'ingress informer stopped on an error; restarting after backoff');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.runInformer();
    }, delay);
  }

  private onApplied(ingress: V1Ingress): void {
    const meta = ingress.metadata ?? {};
    const fields = { ingress: ingressKey(meta.namespace ?? 'default', meta.name ?? ''), resourceVersion: meta.resourceVersion, generation: meta.generation };
    const outcome = this.table.apply(ingress);
    if (!outcome.owned) {
      const message = outcome.removed ? 'ingress moved to another class; rules removed' : 'ingress of another class ignored';
      this.logger.info({ ...fields, ingressClass: outcome.ingressClass }, message);
      return;
    }
    const log = { ...fields, rules: outcome.rules.map(ruleFields), ...(outcome.skipped.length > 0 ? { skipped: outcome.skipped } : {}) };
    this.logger.info(log, outcome.change === 'added' ? 'ingress added' : 'ingress updated');
  }

  private onDeleted(ingress: V1Ingress): void {
    const meta = ingress.metadata ?? {};
    const key = ingressKey(meta.namespace ?? 'default', meta.name ?? '');
    const removed = this.table.remove(meta.namespace ?? 'default', meta.name ?? '');
    this.logger.info({ ingress: key, resourceVersion: meta.resourceVersion, hadRules: removed }, 'ingress deleted');
  }

  private guard(event: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ event, err: describeError(err) }, 'ingress event handler failed');
    }
  }
}

const ruleFields = (r: IngressRule) => ({ host: r.host, path: r.path, pathType: r.pathType, service: r.service, port: r.port });
