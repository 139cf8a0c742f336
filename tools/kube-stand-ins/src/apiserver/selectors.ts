/** Kubernetes label and field selectors: parsing and matching (apimachinery semantics). */

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

export class SelectorError extends Error {}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

export function parseLabelSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  for (const part of splitTop(text)) {
    let m: RegExpMatchArray | null;
    let req: Requirement;
    if ((m = part.match(/^!\s*(\S+)$/))) req = { key: m[1], op: '!exists' };
    else if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      req = { key: m[1], op: m[2] as 'in' | 'notin', values };
    } else if ((m = part.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      req = { key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] };
    } else if ((m = part.match(/^([^=!\s()]+)$/))) req = { key: m[1], op: 'exists' };
    else throw new SelectorError(`unable to parse requirement: "${part}"`);
    if (!LABEL_KEY.test(req.key)) throw new SelectorError(`invalid label key "${req.key}"`);
    if ('values' in req) for (const v of req.values) if (!LABEL_VALUE.test(v)) throw new SelectorError(`invalid label value: "${v}"`);
    out.push(req);
  }
  return out;
}

export function matchesRequirements(reqs: readonly Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Field selectors: `a=b`, `a==b`, `a!=b`, comma-joined; only the given field labels. */
export function parseFieldSelector(text: string, allowed: readonly string[]): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p)) {
    const m = part.match(/^([^=!]+)(==|=|!=)(.*)$/);
    if (!m) throw new SelectorError(`invalid selector: '${part}'; can't understand '${part}'`);
    const field = m[1].trim();
    if (!allowed.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    out.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
  }
  return out;
}

function fieldValue(obj: Record<string, unknown>, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
  if (cur === undefined || cur === null) return path === 'spec.unschedulable' || path === 'spec.hostNetwork' ? 'false' : '';
  return String(cur);
}

export function matchesFields(reqs: readonly FieldRequirement[], obj: Record<string, unknown>): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '='));
}

/** A compiled label + field selector over whole objects. */
export interface ObjectSelector {
  matches(obj: Record<string, unknown>): boolean;
  readonly empty: boolean;
}

export function compileSelector(labelSelector: string | undefined, fieldSelector: string | undefined, fieldLabels: readonly string[]): ObjectSelector {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : [];
  const fields = fieldSelector ? parseFieldSelector(fieldSelector, ['metadata.name', 'metadata.namespace', ...fieldLabels]) : [];
  return {
    empty: labels.length === 0 && fields.length === 0,
    matches: (obj) => {
      const meta = (obj.metadata ?? {}) as { labels?: Record<string, string> };
      return matchesRequirements(labels, meta.labels) && matchesFields(fields, obj);
    },
  };
}
