import type { ComponentKind, ComponentSpec, FileSpec, ProbeSpec } from '@corral/contracts';
import type { CertificatePem } from '../pki';
import type { HostComponentsInput } from './catalog-input';

export type FlagValue = string | number | boolean;

/** "--name=value" arguments, sorted by flag name so equal flag sets render identically. */
export function toArgs(flags: Record<string, FlagValue>): string[] {
  return Object.keys(flags)
    .sort()
    .map((name) => `--${name}=${String(flags[name])}`);
}

/** The absolute path, on the host, of a file the spec writes into its component directory. */
export const inComponentDir = (path: string): string => `\${componentDir}/${path}`;

export const publicFile = (path: string, content: string): FileSpec => ({ path, content, mode: 0o644 });
export const secretFile = (path: string, content: string): FileSpec => ({ path, content, mode: 0o600 });

/** <name>.crt (0644) and <name>.key (0600) */
export function certificateFiles(name: string, cert: CertificatePem): FileSpec[] {
  return [publicFile(`${name}.crt`, cert.certPem), secretFile(`${name}.key`, cert.keyPem)];
}

type ProbeTarget = Omit<ProbeSpec, 'intervalSeconds' | 'timeoutSeconds' | 'failureThreshold'> &
  Partial<Pick<ProbeSpec, 'intervalSeconds' | 'timeoutSeconds' | 'failureThreshold'>>;

/**
 * A probe with the environment's timing (default: restart after 3 failures 2 s apart); the host
 * defaults to the agent's ${address}.
 */
export function probe(input: Pick<HostComponentsInput, 'options'>, target: ProbeTarget): ProbeSpec {
  return { ...probeTiming(input), timeoutSeconds: 2, ...target };
}

/** The environment's probe timing with the catalog's defaults filled in. */
export function probeTiming(input: Pick<HostComponentsInput, 'options'>): { intervalSeconds: number; failureThreshold: number } {
  const timing = input.options?.probes;
  return { intervalSeconds: timing?.intervalSeconds ?? 2, failureThreshold: timing?.failureThreshold ?? 3 };
}

/** https://<address>:<port> */
export const httpsUrl = (address: string, port: number): string =>
  `https://${address.includes(':') ? `[${address}]` : address}:${port}`;

export function requirePki<T>(value: T | undefined, kind: string, hostname: string): T {
  if (!value) throw new Error(`${kind} on ${hostname}: no certificates in the host PKI (issueHostPki with kind ${kind})`);
  return value;
}

/** dependsOn names components on the same host only: keep those of the given kinds placed here. */
export function dependsOn(input: HostComponentsInput, ...kinds: ComponentKind[]): Pick<ComponentSpec, 'dependsOn'> {
  const here = kinds.filter((kind) => input.kinds.includes(kind));
  return here.length > 0 ? { dependsOn: here } : {};
}

/**
 * Corral's cleanup helper (bin/corral-teardown), run by the agent from its --bin-dir: a teardown step
 * may run nothing else, so the cleanup scripts are fixed in the helper and a spec only picks one.
 */
export const TEARDOWN = '${binDir}/corral-teardown';
