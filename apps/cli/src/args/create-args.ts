import type { CreateEnvironmentRequest } from '@corral/contracts';
import { parseDuration, parseLabels, validateDns1123Label } from '@corral/domain';
import { UsageError } from '../exit-codes';

/** Flags of `corral env create`, as commander hands them over (strings, repeated --label). */
export interface CreateFlags {
  version?: string;
  pool?: string;
  hosts?: string;
  hostSelector?: string;
  waitForHosts?: boolean;
  etcdMembers?: string;
  ttl?: string;
  label?: string[];
  wait?: boolean;
  timeout?: string;
  kubeconfig?: string;
  merge?: boolean;
  deleteOnInterrupt?: boolean;
  interruptTtl?: string;
  idempotencyKey?: string;
}

export interface CreatePlan {
  request: CreateEnvironmentRequest;
  wait: boolean;
  timeoutMs: number;
  kubeconfigFile: string | null;
  merge: boolean;
  deleteOnInterrupt: boolean;
  /** the TTL given on Ctrl-C to an environment created without one, so nothing is left for good */
  interruptTtl: string;
}

export const DEFAULT_WAIT_TIMEOUT = '10m';
export const DEFAULT_INTERRUPT_TTL = '1h';

/** Checks the flags of `env create` together and builds the request; UsageError names the flag. */
export function planCreate(name: string, flags: CreateFlags): CreatePlan {
  const nameProblem = validateDns1123Label(name);
  if (nameProblem) throw new UsageError(`environment name: ${nameProblem}`);
  const request: CreateEnvironmentRequest = { name };
  if (flags.version) request.kubernetesVersion = flags.version.startsWith('v') ? flags.version : `v${flags.version}`;
  if (flags.label?.length) request.labels = labelsOf(flags.label);
  if (flags.ttl !== undefined) request.ttl = duration('--ttl', flags.ttl);
  if (flags.etcdMembers !== undefined) {
    const members = Number(flags.etcdMembers);
    if (![1, 3, 5].includes(members)) throw new UsageError(`--etcd-members must be 1, 3 or 5, got "${flags.etcdMembers}"`);
    request.etcd = { members: members as 1 | 3 | 5 };
  }
  if (flags.pool !== undefined) {
    const poolProblem = validateDns1123Label(flags.pool);
    if (poolProblem) throw new UsageError(`--pool: ${poolProblem}`);
    const count = flags.hosts === undefined ? (request.etcd?.members ?? 1) : Number(flags.hosts);
    if (!Number.isInteger(count) || count < 1 || count > 100) throw new UsageError(`--hosts must be a whole number from 1 to 100, got "${flags.hosts}"`);
    request.hosts = { pool: flags.pool, count, ...(flags.hostSelector ? { labelSelector: flags.hostSelector } : {}) };
    if (flags.waitForHosts) request.waitForHosts = true;
  } else if (flags.hosts !== undefined || flags.hostSelector !== undefined || flags.waitForHosts) {
    throw new UsageError('--hosts, --host-selector and --wait-for-hosts need --pool');
  }
  const kubeconfigFile = flags.kubeconfig ?? null;
  // a kubeconfig is only worth writing once the environment is up
  const wait = Boolean(flags.wait || kubeconfigFile || flags.merge);
  if (flags.timeout !== undefined && !wait) throw new UsageError('--timeout needs --wait');
  if (flags.deleteOnInterrupt && !wait) throw new UsageError('--delete-on-interrupt needs --wait');
  if (flags.interruptTtl !== undefined && !wait) throw new UsageError('--interrupt-ttl needs --wait');
  if (flags.interruptTtl !== undefined && flags.deleteOnInterrupt) throw new UsageError('--interrupt-ttl and --delete-on-interrupt exclude each other');
  if (flags.interruptTtl !== undefined && flags.ttl !== undefined) throw new UsageError('--interrupt-ttl is for environments without --ttl; with --ttl it already expires');
  const timeoutMs = duration('--timeout', flags.timeout ?? DEFAULT_WAIT_TIMEOUT, true);
  const interruptTtl = duration('--interrupt-ttl', flags.interruptTtl ?? DEFAULT_INTERRUPT_TTL);
  return { request, wait, timeoutMs, kubeconfigFile, merge: Boolean(flags.merge), deleteOnInterrupt: Boolean(flags.deleteOnInterrupt), interruptTtl };
}

/** "k=v" items, each possibly "k=v,k2=v2", into one map. */
export function labelsOf(items: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    let parsed: Record<string, string>;
    try {
      parsed = parseLabels(item);
    } catch (err) {
      throw new UsageError(`--label: ${(err as Error).message}`);
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (k in labels && labels[k] !== v) throw new UsageError(`--label: "${k}" given twice`);
      labels[k] = v;
    }
  }
  return labels;
}

/** Validates a duration flag; returns the text (for the API) or, with asMs, milliseconds. */
export function duration(flag: string, text: string): string;
export function duration(flag: string, text: string, asMs: true): number;
export function duration(flag: string, text: string, asMs?: true): string | number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
  if (ms <= 0) throw new UsageError(`${flag} must be longer than 0`);
  return asMs ? ms : text.trim();
}
