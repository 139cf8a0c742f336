import { createHash } from 'node:crypto';
import type { ComponentSpec, DesiredComponent } from '@corral/contracts';

/** JSON with object keys sorted at every depth; undefined members are dropped as JSON.stringify drops them. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) sorted[key] = sortKeys(member);
    }
    return sorted;
  }
  return value;
}

/** sha256 (hex) of the spec's canonical JSON: equal specs hash equal whatever their key order. */
export function specHash(spec: ComponentSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

export function toDesiredComponent(spec: ComponentSpec): DesiredComponent {
  return { name: spec.name, kind: spec.kind, specHash: specHash(spec), spec };
}
