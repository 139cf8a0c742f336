import { Backoff, sleep } from '@corral/domain';
import type { KubeClient } from './kube-client';
import type { Logger } from './logger';

/**
 * Tracks whether the apiserver answers an authenticated read (GET the kube-system
 * namespace) with this component's credentials: every `intervalMs` while it does, with
 * backoff and jitter (capped at the interval) while it does not.
 */
export class ApiserverReachability {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private ok = false;
  private reason = 'not checked yet';

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    private readonly intervalMs = 5000,
    private readonly timeoutMs = 3000,
  ) {}

  get healthy(): boolean {
    return this.ok;
  }

  get lastError(): string {
    return this.reason;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** One check now; resolves to the new state. */
  async check(): Promise<boolean> {
    let ok = false;
    try {
      const res = await this.client.request('GET', '/api/v1/namespaces/kube-system', undefined, { timeoutMs: this.timeoutMs });
      ok = res.status === 200;
      this.reason = ok ? '' : `apiserver answered HTTP ${res.status}`;
    } catch (e) {
      this.reason = (e as Error).message;
    }
    if (ok !== this.ok) {
      if (ok) this.log.info('apiserver is reachable');
      else this.log.warn(`apiserver is not reachable: ${this.reason}`);
    }
    this.ok = ok;
    return ok;
  }

  private async run(): Promise<void> {
    // while unreachable, look again soon (capped at 1 s): clients of a restarted apiserver reconnect within a second
    const backoff = new Backoff({ baseMs: 250, maxMs: Math.min(1000, this.intervalMs), jitter: 0.3 });
    while (!this.abort.signal.aborted) {
      const ok = await this.check();
      if (ok) backoff.reset();
      if (!(await sleep(ok ? this.intervalMs : backoff.next(), this.abort.signal))) return;
    }
  }
}
