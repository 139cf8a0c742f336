import type { V1Ingress } from '@kubernetes/client-node';
import { assignIngressInstances } from '@corral/domain';
import { extractIngressRules, ingressClassOf, ingressIdentity, ingressKey, ingressScaleOf, type IngressRule, type IngressTls } from './ingress-rules';
import { matchRule, type RuleMatch } from './match-rule';

export type ApplyOutcome =
  | { owned: true; change: 'added' | 'updated'; rules: IngressRule[]; skipped: string[]; scale: number }
  /** not this controller's class; `removed` when it was in the table before */
  | { owned: false; ingressClass: string; removed: boolean };

interface Entry {
  /** creationTimestamp + key: older Ingresses win equal routes */
  rank: string;
  rules: IngressRule[];
  tls: IngressTls[];
  /** rendezvous identity and corral.dev/scale: which instances serve it */
  identity: string;
  scale: number;
}

/** this instance and every live one (itself included): the Ingresses assigned to it are the ones it routes */
interface Instances {
  self: string;
  live: string[];
}

/**
 * The in-memory routing table: the rules of every Ingress this controller handles, kept by
 * informer events. Synchronous and I/O-free, so readers (health, debug, the later load
 * balancer) always see one consistent state.
 */
export class IngressRuleTable {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: Array<() => void> = [];
  /** null until the live instances are known (and without status Leases): every Ingress is routed */
  private instances: Instances | null = null;

  /** null: every Ingress; else only Ingresses of this class or of no class */
  constructor(private readonly ingressClass: string | null = null) {}

  /** Adds or replaces the rules of one Ingress (informer add/update). */
  apply(ingress: V1Ingress): ApplyOutcome {
    const namespace = ingress.metadata?.namespace ?? 'default';
    const name = ingress.metadata?.name ?? '';
    const key = ingressKey(namespace, name);
    const ingressClass = ingressClassOf(ingress);
    if (this.ingressClass !== null && ingressClass !== null && ingressClass !== this.ingressClass) {
      return { owned: false, ingressClass, removed: this.remove(namespace, name) };
    }
    const { rules, tls, skipped } = extractIngressRules(ingress);
    const scale = ingressScaleOf(ingress);
    if (!scale.valid) skipped.push(`${scale.reason}: served by 1 instance`);
    const created = ingress.metadata?.creationTimestamp;
    const createdAt = created instanceof Date ? created.toISOString() : created ? String(created) : '';
    const change = this.entries.has(key) ? 'updated' : 'added';
    this.entries.set(key, { rank: `${createdAt}\u0000${key}`, rules, tls, identity: ingressIdentity(ingress), scale: scale.scale });
    this.changed();
    return { owned: true, change, rules, skipped, scale: scale.scale };
  }

  /** Drops an Ingress (informer delete); false when it was not in the table. */
  remove(namespace: string, name: string): boolean {
    const removed = this.entries.delete(ingressKey(namespace, name));
    if (removed) this.changed();
    return removed;
  }

  /**
   * Sets the live LB instances (from their Leases): from now on only the Ingresses that
   * rendezvous hashing assigns to `self` among them (itself always counted) are routed here.
   */
  setInstances(self: string, live: readonly string[]): void {
    const next = [...new Set([...live, self])].sort();
    if (this.instances?.self === self && this.instances.live.join(',') === next.join(',')) return;
    this.instances = { self, live: next };
    this.changed();
  }

  /** Calls `listener` after every change of the rules (the load balancer follows them). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  get ingressCount(): number {
    return this.entries.size;
  }

  /** the entries of the Ingresses this instance routes */
  private served(): Entry[] {
    const instances = this.instances;
    const all = [...this.entries.values()];
    if (!instances) return all;
    return all.filter((e) => assignIngressInstances(e.identity, e.scale, instances.live).includes(instances.self));
  }

  /** Every rule this instance routes, sorted by host (host-less last), path, namespace, Ingress. */
  rules(): IngressRule[] {
    const all = this.served().flatMap((e) => e.rules.map((r) => ({ ...r })));
    const hostKey = (r: IngressRule) => (r.host === null ? '\uffff' : r.host);
    return all.sort((a, b) => cmp(hostKey(a), hostKey(b)) || cmp(a.path, b.path) || cmp(a.pathType, b.pathType) || cmp(a.namespace, b.namespace) || cmp(a.ingress, b.ingress));
  }

  /** Every spec.tls entry this instance serves, oldest Ingress first (its certificate is HAProxy's default). */
  tls(): IngressTls[] {
    return this.served().sort((a, b) => cmp(a.rank, b.rank)).flatMap((e) => e.tls.map((t) => ({ ...t, hosts: [...t.hosts] })));
  }

  /** Which rule a request for host + path would go to (see matchRule). */
  match(hostHeader: string, path: string): RuleMatch {
    const all = this.served().flatMap((e) => e.rules);
    return matchRule(all, hostHeader, path, (rule) => this.entries.get(ingressKey(rule.namespace, rule.ingress))?.rank ?? '');
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
