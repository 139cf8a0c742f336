import { Backoff } from '@corral/domain';
import { sleep } from '@corral/domain';
import type { KubeClient } from '../common/kube-client';
import type { Logger } from '../common/logger';
import { NodeIdentity, nodeObject, nodeStatus } from './node-object';

/**
 * Registers the Node and then patches its status (Ready, lastHeartbeatTime) every interval,
 * as the kubelet's node status loop does. Failures back off with jitter; a deleted Node is
 * registered again.
 */
export class NodeHeartbeat {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readySince: Date | undefined;
  /** time of the last status the apiserver accepted */
  lastHeartbeat: Date | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly id: NodeIdentity,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const backoff = new Backoff({ baseMs: 500, maxMs: Math.max(this.intervalMs, 5000), jitter: 0.3 });
    let registered = false;
    while (!this.abort.signal.aborted) {
      try {
        if (!registered) {
          await this.register();
          registered = true;
        }
        const now = new Date();
        this.readySince ??= now;
        const res = await this.client.request('PATCH', `/api/v1/nodes/${encodeURIComponent(this.id.name)}/status`, { status: nodeStatus(this.id, now, this.readySince) }, {
          contentType: 'application/merge-patch+json',
          timeoutMs: Math.min(10_000, this.intervalMs * 2),
        });
        if (res.status === 404) {
          this.log.warn(`node ${this.id.name} not found, registering it again`);
          registered = false;
          continue;
        }
        if (res.status !== 200) throw new Error(`updating node status: HTTP ${res.status} ${JSON.stringify(res.body)}`);
        this.lastHeartbeat = now;
        backoff.reset();
        this.log.v(4, `node ${this.id.name} status updated`);
        if (!(await sleep(this.intervalMs, this.abort.signal))) return;
      } catch (e) {
        const delay = backoff.next();
        this.log.warn(`${(e as Error).message}; retrying in ${delay}ms`);
        if (!(await sleep(delay, this.abort.signal))) return;
      }
    }
  }

  private async register(): Promise<void> {
    const res = await this.client.request('POST', '/api/v1/nodes', nodeObject(this.id, new Date()));
    if (res.status === 201) this.log.info(`Successfully registered node ${this.id.name}`);
    else if (res.status === 409) this.log.info(`Node ${this.id.name} was previously registered`);
    else throw new Error(`Unable to register node with API server: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }
}
