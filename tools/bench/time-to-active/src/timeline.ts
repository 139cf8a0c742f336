import { median, type ComponentTiming } from '@corral/bench';

/** One component's start-up as seen from one side (ms after POST for Corral, after t0 for the limit). */
export interface ComponentSpan {
  hostname: string;
  kind: string;
  /** the process was started (Corral: the first `starting` report the server got; absent when the agent's report skipped it) */
  startedMs?: number;
  /** its probe first passed (Corral: the first `running and healthy` report) */
  healthyMs?: number;
}

export interface EventView {
  id: string;
  hostId: string | null;
  component: string | null;
  reason: string;
  message: string;
  createdAt: string;
}

/** the order components come up in (the catalog's), for tables */
export const KIND_ORDER = ['etcd', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'containerd', 'pod-network', 'kubelet', 'kube-proxy', 'cluster-dns', 'ingress-controller'];

/**
 * same-host dependencies of each kind, for the critical path: the catalog's dependsOn, plus
 * etcd for the apiserver (the server writes its spec without dependsOn etcd, but it cannot be
 * ready before etcd is)
 */
const DEPENDS_ON: Record<string, string[]> = {
  'kube-apiserver': ['etcd'],
  'kube-scheduler': ['kube-apiserver'],
  'kube-controller-manager': ['kube-apiserver'],
  'ingress-controller': ['kube-apiserver'],
  'kube-proxy': ['kube-apiserver'],
  'cluster-dns': ['kube-apiserver'],
  kubelet: ['kube-apiserver', 'containerd'],
};

/**
 * Corral's side from the environment's events (server time, same clock as the bench): per
 * component the first `ComponentStarting` and the first `ComponentRunning … and healthy`, and
 * the first time of every other reason (HostRegistered, CertificatesIssued, StateActive, …), and
 * the first and last ImageImported.
 */
export function corralTimeline(events: EventView[], hostnames: Map<string, string>, postWallMs: number): { components: ComponentSpan[]; milestones: Map<string, number> } {
  const spans = new Map<string, ComponentSpan>();
  const milestones = new Map<string, number>();
  for (const e of [...events].sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)))) {
    const at = Date.parse(e.createdAt) - postWallMs;
    if (e.component && e.hostId) {
      const hostname = hostnames.get(e.hostId) ?? e.hostId;
      const key = `${hostname}/${e.component}`;
      const span = spans.get(key) ?? { hostname, kind: e.component };
      spans.set(key, span);
      if (e.reason === 'ComponentStarting') span.startedMs ??= at;
      if (e.reason === 'ComponentRunning' && / and healthy/.test(e.message)) {
        span.healthyMs ??= at;
        span.startedMs ??= at; // the agent's report coalesced starting into running
      }
      // containerd's events also tell when the host's agent imported an image (CORRAL_IMAGE_DIR's)
      if (e.reason === 'ImageImported') {
        if (!milestones.has('ImageImported')) milestones.set('ImageImported', at);
        milestones.set('ImageImported (last)', at);
      }
      // the agent saw its desired state: first report of each component
      if (!milestones.has(`desired state seen on ${hostname}`)) milestones.set(`desired state seen on ${hostname}`, at);
      continue;
    }
    const name = e.reason === 'HostRegistered' ? `registered ${e.message.match(/host (\S+)/)?.[1] ?? e.hostId}` : e.reason;
    if (!milestones.has(name)) milestones.set(name, at);
    // the last host to register, etc.: keep the latest of repeated reasons too
    milestones.set(`${e.reason} (last)`, at);
  }
  return { components: [...spans.values()], milestones };
}

export function limitSpans(components: ComponentTiming[]): ComponentSpan[] {
  return components.map((c) => ({ hostname: c.hostname, kind: c.kind, startedMs: c.startedMs, healthyMs: c.healthyMs }));
}

/** per kind: the latest start and the latest healthy over its hosts */
export function byKind(spans: ComponentSpan[]): Map<string, { startedMs?: number; healthyMs?: number }> {
  const out = new Map<string, { startedMs?: number; healthyMs?: number }>();
  for (const s of spans) {
    const k = out.get(s.kind) ?? {};
    if (s.startedMs !== undefined) k.startedMs = Math.max(k.startedMs ?? -Infinity, s.startedMs);
    if (s.healthyMs !== undefined) k.healthyMs = Math.max(k.healthyMs ?? -Infinity, s.healthyMs);
    out.set(s.kind, k);
  }
  return out;
}

/**
 * The chain that ended last: the component healthy last, then the same-host dependency that
 * was healthy last before it started, and so on back to one without dependencies.
 */
export function criticalPath(spans: ComponentSpan[]): ComponentSpan[] {
  const done = spans.filter((s) => s.healthyMs !== undefined);
  if (done.length === 0) return [];
  let current = done.reduce((a, b) => (b.healthyMs! > a.healthyMs! ? b : a));
  const path = [current];
  for (;;) {
    const deps = done.filter((s) => s.hostname === current.hostname && (DEPENDS_ON[current.kind] ?? []).includes(s.kind));
    if (deps.length === 0) break;
    current = deps.reduce((a, b) => (b.healthyMs! > a.healthyMs! ? b : a));
    path.unshift(current);
  }
  return path;
}

export const secs = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '-' : `${(ms / 1000).toFixed(2)}`);

/** "etcd 0.00→1.10 (1.10) | kube-apiserver 1.12→4.80 (3.68) | …": start→healthy per link, and the wait before each start */
export function describePath(path: ComponentSpan[]): string {
  let previousHealthy: number | undefined;
  return path
    .map((s) => {
      // the apiserver starts beside etcd (its spec does not wait for it): no wait to show then
      const wait = previousHealthy !== undefined && s.startedMs !== undefined && s.startedMs >= previousHealthy ? ` [+${secs(s.startedMs - previousHealthy)} to start]` : '';
      previousHealthy = s.healthyMs;
      const run = s.startedMs !== undefined && s.healthyMs !== undefined ? ` (${secs(s.healthyMs - s.startedMs)} s)` : '';
      return `${s.kind}@${s.hostname}${wait} ${secs(s.startedMs)}→${secs(s.healthyMs)}${run}`;
    })
    .join(' | ');
}

/** median of the defined values, or undefined */
export function medianOf(values: Array<number | undefined>): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return defined.length ? median(defined) : undefined;
}
