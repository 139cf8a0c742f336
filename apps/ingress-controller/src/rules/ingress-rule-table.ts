import type { V1Ingress } from '@kubernetes/client-node';
import { extractIngressRules, ingressClassOf, ingressKey, type IngressRule, type IngressTls } from './ingress-rules';
import { matchRule, type RuleMatch } from './match-rule';

export type ApplyOutcome =
  | { owned: true; change: 'added' | 'updated'; rules: IngressRule[]; skipped: string[] }
  /** not this controller's class; `removed` when it was in the table before */
  | { owned: false; ingressClass: string; removed: boolean };

interface Entry {
  /** creationTimestamp + key: older Ingresses win equal routes */
  rank: string;
  rules: IngressRule[];
  tls: IngressTls[];
}

/**
 * The in-memory routing table: the rules of every Ingress this controller handles, kept by
 * informer events. Synchronous and I/O-free, so readers (health, debug, the later load
 * balancer) always see one consistent state.
 */
export class IngressRuleTable {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: Array<() => void> = [];

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
    const created = ingress.metadata?.creationTimestamp;
    const createdAt = created instanceof Date ? created.toISOString() : created ? String(created) : '';
    const change = this.entries.has(key) ? 'updated' : 'added';
    this.entries.set(key, { rank: `${createdAt}\u0000${key}`, rules, tls });
    this.changed();
    return { owned: true, change, rules, skipped };
  }

  /** Drops an Ingress (informer delete); false when it was not in the table. */
  remove(namespace: string, name: string): boolean {
    const removed = this.entries.delete(ingressKey(namespace, name));
    if (removed) this.changed();
    return removed;
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

  /** Every rule, sorted by host (host-less last), path, namespace, Ingress. */
  rules(): IngressRule[] {
    const all = [...this.entries.values()].flatMap((e) => e.rules.map((r) => ({ ...r })));
    const hostKey = (r: IngressRule) => (r.host === null ? '\uffff' : r.host);
    return all.sort((a, b) => cmp(hostKey(a), hostKey(b)) || cmp(a.path, b.path) || cmp(a.pathType, b.pathType) || cmp(a.namespace, b.namespace) || cmp(a.ingress, b.ingress));
  }

  /** Every spec.tls entry, oldest Ingress first (its certificate is HAProxy's default). */
  tls(): IngressTls[] {
    return [...this.entries.values()].sort((a, b) => cmp(a.rank, b.rank)).flatMap((e) => e.tls.map((t) => ({ ...t, hosts: [...t.hosts] })));
  }

  /** Which rule a request for host + path would go to (see matchRule). */
  match(hostHeader: string, path: string): RuleMatch {
    const all = [...this.entries.values()].flatMap((e) => e.rules);
    return matchRule(all, hostHeader, path, (rule) => this.entries.get(ingressKey(rule.namespace, rule.ingress))?.rank ?? '');
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
