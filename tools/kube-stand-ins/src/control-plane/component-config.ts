import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** Reads a component configuration file (KubeSchedulerConfiguration, KubeProxyConfiguration, ...). */
export function readComponentConfig(path: string, kind: string, apiVersions: string[]): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`failed to load ${kind} from ${path}: ${(e as Error).message}`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  if (d.kind !== kind || !apiVersions.includes(String(d.apiVersion))) {
    throw new Error(`${path}: no kind "${String(d.kind)}" is registered for version "${String(d.apiVersion)}" (want ${kind} in ${apiVersions.join(' or ')})`);
  }
  return d;
}

/** "host:port", "[v6]:port" or a bare host (then defaultPort). */
export function splitHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const v6 = value.match(/^\[([^\]]+)\](?::(\d+))?$/);
  if (v6) return { host: v6[1], port: v6[2] ? Number(v6[2]) : defaultPort };
  const m = value.match(/^([^:]*):(\d+)$/);
  if (m) return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
  return { host: value || '0.0.0.0', port: defaultPort };
}
