import { ApiException, CoordinationV1Api, NetworkingV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ingressClassOf } from '../rules/ingress-rules';
import { describeError } from '../util/describe-error';
import { ingressStatusAddresses, INSTANCE_LEASE_PREFIX, leaderAction, liveInstanceAddresses, STATUS_LEADER_LEASE, statusDiffers } from './lease-decisions';

const NAMESPACE = 'kube-system';
const LEASE_SECONDS = 10;
const PERIOD_MS = 2_000;

export interface StatusPublisherOptions {
  /** this instance's address: its Lease's holder and what status lists for it */
  address: string;
  /** null: every Ingress; else this class and Ingresses without one */
  ingressClass: string | null;
  /** true while this instance's HAProxy serves */
  serving: () => boolean;
  /** the addresses of the live instances, after every look at the Leases (every 2 s) */
  onLiveInstances?: (addresses: string[]) => void;
}

/** how long stop() waits for the apiserver when handing its Leases back */
const RELEASE_TIMEOUT_MS = 2_000;

/**
 * Ingress status from Leases in kube-system: every instance renews its own Lease while its
 * HAProxy serves and reads every instance's Lease (the live ones decide which Ingresses each
 * instance routes); the holder of the leader Lease writes status.loadBalancer.ingress of every
 * Ingress of the class with exactly the addresses of the live instances assigned to it
 * (corral.dev/scale of them). An instance that dies stops renewing, and within the Lease
 * duration (10 s) the leader drops its address; one that stops deletes its Leases at once.
 */
export class StatusPublisher {
  private readonly coordination: CoordinationV1Api;
  private readonly networking: NetworkingV1Api;
  private readonly instanceLease: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closing = false;
  private leading = false;
  private renewedOwn = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: StatusPublisherOptions,
    private readonly logger: Logger,
  ) {
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
    this.networking = kubeConfig.makeApiClient(NetworkingV1Api);
    this.instanceLease = `${INSTANCE_LEASE_PREFIX}${options.address.replace(/[.:]/g, '-')}`;
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.release();
  }

  /** Hands back this instance's Leases, so the others stop counting it now rather than in 10 s. */
  private async release(): Promise<void> {
    const names = [...(this.renewedOwn ? [this.instanceLease] : []), ...(this.leading ? [STATUS_LEADER_LEASE] : [])];
    const released = Promise.all(names.map((name) => this.coordination.deleteNamespacedLease({ name, namespace: NAMESPACE }).catch(() => undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([released, new Promise((resolve) => (timer = setTimeout(resolve, RELEASE_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }

  private schedule(delayMs: number): void {
    if (this.closing) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.logger.warn({ err: describeError(err) }, 'ingress status round failed; next one in 2 s'))
        .finally(() => {
          this.running = null;
          this.schedule(PERIOD_MS);
        });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    if (this.options.serving()) this.renewedOwn = (await this.renew(this.instanceLease)) || this.renewedOwn;
    const leases = (await this.coordination.listNamespacedLease({ namespace: NAMESPACE })).items;
    const live = liveInstanceAddresses(leases, Date.now());
    this.options.onLiveInstances?.(live);
    const leader = leases.find((l) => l.metadata?.name === STATUS_LEADER_LEASE);
    const action = leaderAction(leader, this.options.address, Date.now());
    const leading = action !== 'follow' && (await this.renew(STATUS_LEADER_LEASE, leader, action === 'create'));
    if (leading !== this.leading) this.logger.info({ lease: STATUS_LEADER_LEASE }, leading ? 'leading: this instance writes Ingress status' : 'not leading Ingress status');
    this.leading = leading;
    if (leading) await this.publish(live);
  }

  private async publish(live: string[]): Promise<void> {
    const ingresses = (await this.networking.listIngressForAllNamespaces()).items;
    for (const ingress of ingresses) {
      const cls = ingressClassOf(ingress);
      if (this.options.ingressClass !== null && cls !== null && cls !== this.options.ingressClass) continue;
      const addresses = ingressStatusAddresses(ingress, live);
      if (!statusDiffers(ingress, addresses)) continue;
      const { name, namespace } = ingress.metadata as { name: string; namespace: string };
      const body = { ...ingress, status: { loadBalancer: { ingress: addresses.map((ip) => ({ ip })) } } };
      await this.networking.replaceNamespacedIngressStatus({ name, namespace, body });
      this.logger.info({ ingress: `${namespace}/${name}`, addresses }, 'ingress status updated');
    }
  }

  private async read(name: string): Promise<V1Lease | undefined> {
    try {
      return await this.coordination.readNamespacedLease({ name, namespace: NAMESPACE });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Creates or renews a Lease held by this instance; false when another writer won the race (409). */
  private async renew(name: string, current?: V1Lease, create?: boolean): Promise<boolean> {
    const existing = current ?? (create ? undefined : await this.read(name));
    const now = new V1MicroTime();
    const spec = { holderIdentity: this.options.address, leaseDurationSeconds: LEASE_SECONDS, renewTime: now, acquireTime: existing?.spec?.holderIdentity === this.options.address ? existing.spec.acquireTime : now };
    try {
      if (!existing) await this.coordination.createNamespacedLease({ namespace: NAMESPACE, body: { metadata: { name, namespace: NAMESPACE }, spec } });
      else await this.coordination.replaceNamespacedLease({ name, namespace: NAMESPACE, body: { metadata: existing.metadata, spec } });
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return false;
      throw err;
    }
  }
}
