/** the Ingress annotation that asks for N load balancer instances on N distinct hosts */
export const INGRESS_SCALE_ANNOTATION = 'corral.dev/scale';
/** a host labelled corral.dev/ingress=true may run (and is preferred for) load balancer instances */
export const INGRESS_HOST_LABEL = 'corral.dev/ingress';

/** the legacy annotation ingress controllers still honour next to spec.ingressClassName */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** The fields of a networking.k8s.io/v1 Ingress these decisions read. */
export interface IngressObject {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { ingressClassName?: string };
}

/** spec.ingressClassName, else the kubernetes.io/ingress.class annotation, else null. */
export function ingressClassOf(ingress: IngressObject): string | null {
  return ingress.spec?.ingressClassName ?? ingress.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION] ?? null;
}

/** The scale requests of the Ingresses a controller of `ingressClass` serves (that class, or none). */
export function ingressScaleRequests(ingresses: readonly IngressObject[], ingressClass: string): IngressScaleRequest[] {
  return ingresses
    .filter((i) => [null, ingressClass].includes(ingressClassOf(i)))
    .map((i) => ({ key: `${i.metadata?.namespace ?? 'default'}/${i.metadata?.name ?? ''}`, annotation: i.metadata?.annotations?.[INGRESS_SCALE_ANNOTATION] }));
}

export type IngressScale = { valid: true; scale: number } | { valid: false; scale: 1; reason: string };

const WHOLE_NUMBER = /^[0-9]+$/;

/**
 * Reads `corral.dev/scale`: absent means 1; a whole number >= 1 is the scale (however large: the
 * hosts cap it later); anything else is invalid and served as 1, with the reason.
 */
export function parseIngressScale(raw: string | undefined): IngressScale {
  if (raw === undefined) return { valid: true, scale: 1 };
  const text = raw.trim();
  if (!WHOLE_NUMBER.test(text)) return { valid: false, scale: 1, reason: `${INGRESS_SCALE_ANNOTATION} ${JSON.stringify(raw.slice(0, 40))} is not a whole number` };
  const scale = Number(text);
  if (scale < 1) return { valid: false, scale: 1, reason: `${INGRESS_SCALE_ANNOTATION} ${JSON.stringify(raw)} is below 1` };
  return { valid: true, scale };
}

/** One Ingress as the scale planner sees it. */
export interface IngressScaleRequest {
  /** namespace/name, for messages */
  key: string;
  /** the raw annotation value, undefined when absent */
  annotation: string | undefined;
}

export interface IngressScalePlan {
  /** how many ingress-controller replicas (one HAProxy each, on distinct hosts) to place */
  replicas: number;
  condition: { type: 'IngressScale'; status: 'True' | 'False'; reason: 'Applied' | 'InvalidScale' | 'ScaleCapped'; message: string };
}

const MAX_NAMED = 5;

const listed = (items: string[]): string => (items.length > MAX_NAMED ? `${items.slice(0, MAX_NAMED).join('; ')}; and ${items.length - MAX_NAMED} more` : items.join('; '));

/**
 * How many load balancer instances an environment runs: `base` (its ingressReplicas) or the
 * largest valid `corral.dev/scale` of its Ingresses, whichever is larger, but never more than the
 * eligible active hosts allow (instances run on distinct hosts). Invalid values count as 1 and
 * are named in the condition, as are Ingresses asking for more hosts than there are.
 */
export function planIngressScale(base: number, ingresses: readonly IngressScaleRequest[], eligibleHosts: number): IngressScalePlan {
  const read = [...ingresses].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((i) => ({ key: i.key, ...parseIngressScale(i.annotation) }));
  const invalid = read.filter((r): r is typeof r & { valid: false; reason: string } => !r.valid);
  const largest = read.reduce<{ key: string; scale: number } | null>((max, r) => (r.scale > (max?.scale ?? 0) ? { key: r.key, scale: r.scale } : max), null);
  const requested = Math.max(base, largest?.scale ?? 0);
  const replicas = Math.max(base, Math.min(requested, eligibleHosts));
  const capped = read.filter((r) => r.valid && r.scale > eligibleHosts);
  const type = 'IngressScale' as const;
  if (invalid.length > 0) {
    return { replicas, condition: { type, status: 'False', reason: 'InvalidScale', message: `${listed(invalid.map((r) => `${r.key}: ${r.reason}; served by 1 instance`))} (use a whole number >= 1); ${replicas} instance(s) placed` } };
  }
  if (capped.length > 0) {
    const asks = listed(capped.map((r) => `${r.key} asks for ${r.scale}`));
    return { replicas, condition: { type, status: 'False', reason: 'ScaleCapped', message: `${asks} instances, but only ${eligibleHosts} active host(s) may run one (labelled ${INGRESS_HOST_LABEL}=true, or with the worker or controlplane role): ${replicas} instance(s) placed` } };
  }
  const why = largest && largest.scale > base ? `the largest ${INGRESS_SCALE_ANNOTATION} is ${largest.scale} (${largest.key})` : `ingressReplicas ${base}, no Ingress asks for more`;
  return { replicas, condition: { type, status: 'True', reason: 'Applied', message: `${replicas} load balancer instance(s): ${why}` } };
}
