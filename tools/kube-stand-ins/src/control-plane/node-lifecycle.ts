import { Backoff } from '@corral/domain';
import { sleep } from '@corral/domain';
import type { KubeClient } from '../common/kube-client';
import type { Logger } from '../common/logger';

interface Condition {
  type: string;
  status: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/**
 * The node lifecycle controller's core rule: when a node's kubelet has not posted status for
 * longer than the grace period, every condition becomes Unknown (NodeStatusUnknown, "Kubelet
 * stopped posting node status."). Returns the new conditions, or undefined if nothing changes.
 */
export function staleNodeConditions(conditions: Condition[] | undefined, now: Date, graceMs: number): Condition[] | undefined {
  const ready = conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'Unknown') return undefined;
  const heartbeat = Date.parse(ready.lastHeartbeatTime ?? '');
  if (Number.isFinite(heartbeat) && now.getTime() - heartbeat <= graceMs) return undefined;
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return conditions!.map((c) => ({
    ...c,
    status: 'Unknown',
    reason: 'NodeStatusUnknown',
    message: 'Kubelet stopped posting node status.',
    lastTransitionTime: c.status === 'Unknown' ? c.lastTransitionTime : at,
  }));
}

/** Periodically marks nodes with stale heartbeats Unknown, as kube-controller-manager does. */
export class NodeLifecycleController {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    private readonly periodMs: number,
    private readonly graceMs: number,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const backoff = new Backoff({ baseMs: 1000, maxMs: Math.max(this.periodMs, 10_000), jitter: 0.3 });
    while (!this.abort.signal.aborted) {
      let delay = this.periodMs;
      try {
        await this.pass();
        backoff.reset();
      } catch (e) {
        delay = backoff.next();
        this.log.v(2, `node lifecycle: ${(e as Error).message}`);
      }
      if (!(await sleep(delay, this.abort.signal))) return;
    }
  }

  private async pass(): Promise<void> {
    const res = await this.client.request('GET', '/api/v1/nodes');
    if (res.status !== 200) throw new Error(`listing nodes: HTTP ${res.status}`);
    const now = new Date();
    for (const node of (res.body as { items: { metadata: { name: string }; status?: { conditions?: Condition[] } }[] }).items) {
      const next = staleNodeConditions(node.status?.conditions, now, this.graceMs);
      if (!next) continue;
      const patched = await this.client.request('PATCH', `/api/v1/nodes/${encodeURIComponent(node.metadata.name)}/status`, { status: { conditions: next } }, { contentType: 'application/merge-patch+json' });
      if (patched.status === 200) this.log.info(`node ${node.metadata.name} hasn't been updated for more than ${this.graceMs / 1000}s; marking its conditions Unknown`);
    }
  }
}
