import { makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ListPromise, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Backoff } from '@corral/domain';
import { describeError } from '../util/describe-error';

/**
 * A cluster-wide informer cache of one resource (Services, EndpointSlices) that calls `onChange`
 * after every event and restarts with backoff and jitter when it stops on an error.
 */
export class ResourceCache<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private readonly backoff = new Backoff({ baseMs: 500, maxMs: 30_000, jitter: 0.3 });
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  synced = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly path: string,
    list: ListPromise<T>,
    private readonly logger: Logger,
    onChange: () => void,
  ) {
    this.informer = makeInformer(kubeConfig, path, list);
    for (const event of ['add', 'update', 'delete'] as const) this.informer.on(event, () => onChange());
    this.informer.on('connect', () => {
      this.synced = true;
      this.backoff.reset();
      onChange();
    });
    this.informer.on('error', (err) => this.restart(err));
  }

  start(): void {
    this.informer.start().catch((err: unknown) => this.restart(err));
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  get(name: string, namespace: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  async stop(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    await this.informer.stop();
  }

  private restart(err: unknown): void {
    if (this.closing || this.timer) return;
    const delay = this.backoff.next();
    this.logger.warn({ path: this.path, err: describeError(err), retryInMs: delay }, 'informer stopped on an error; restarting after backoff');
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closing) this.start();
    }, delay);
  }
}
