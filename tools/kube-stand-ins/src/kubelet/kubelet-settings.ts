import { parse } from 'yaml';
import { parseGoDuration, ParsedFlags } from '../common/flag-parser';

/** The kubelet settings the stand-in acts on, from --config (KubeletConfiguration) and flags. */
export interface KubeletSettings {
  address: string;
  port: number;
  healthzBindAddress: string;
  healthzPort: number;
  clusterDNS: string[];
  clusterDomain: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  clientCAFile: string;
  nodeStatusUpdateFrequencyMs: number;
  registerNode: boolean;
  maxPods: number;
  nodeLabels: Record<string, string>;
  registerWithTaints: { key: string; value?: string; effect: string }[];
  providerID: string;
  podCIDR: string;
}

const CONFIG_VERSIONS = ['kubelet.config.k8s.io/v1beta1', 'kubelet.config.k8s.io/v1'];

type Doc = Record<string, unknown>;

/** Parses and checks a KubeletConfiguration document (YAML or JSON). */
export function parseKubeletConfiguration(text: string, source: string): Doc {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`failed to load Kubelet config file ${source}: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`failed to load Kubelet config file ${source}: not a KubeletConfiguration object`);
  const d = doc as Doc;
  if (d.kind !== 'KubeletConfiguration' || !CONFIG_VERSIONS.includes(String(d.apiVersion))) {
    throw new Error(`failed to load Kubelet config file ${source}: no kind "${String(d.kind)}" is registered for version "${String(d.apiVersion)}"`);
  }
  return d;
}

/** "key=value:Effect" or "key:Effect" */
export function parseTaint(spec: string): { key: string; value?: string; effect: string } {
  const m = spec.match(/^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/);
  if (!m) throw new Error(`invalid taint spec: ${spec}`);
  return m[2] === undefined ? { key: m[1], effect: m[3] } : { key: m[1], value: m[2], effect: m[3] };
}

const pick = <T>(flags: ParsedFlags, flag: string, fromFlag: () => T, fromConfig: unknown, fallback: T): T =>
  flags.isSet(flag) ? fromFlag() : fromConfig !== undefined && fromConfig !== null ? (fromConfig as T) : fallback;

/** Upstream precedence: flags given on the command line, then the config file, then defaults. */
export function resolveKubeletSettings(flags: ParsedFlags, config: Doc | undefined): KubeletSettings {
  const c = config ?? {};
  const auth = (c.authentication ?? {}) as { x509?: { clientCAFile?: string } };
  const freq = pick(flags, 'node-status-update-frequency', () => flags.ms('node-status-update-frequency'), c.nodeStatusUpdateFrequency === undefined ? undefined : parseGoDuration(String(c.nodeStatusUpdateFrequency)), 10_000);
  const taints = pick(flags, 'register-with-taints', () => flags.list('register-with-taints').map(parseTaint), c.registerWithTaints, [] as KubeletSettings['registerWithTaints']);
  return {
    address: pick(flags, 'address', () => flags.str('address'), c.address, '0.0.0.0'),
    port: pick(flags, 'port', () => flags.int('port'), c.port, 10250),
    healthzBindAddress: pick(flags, 'healthz-bind-address', () => flags.str('healthz-bind-address'), c.healthzBindAddress, '127.0.0.1'),
    healthzPort: pick(flags, 'healthz-port', () => flags.int('healthz-port'), c.healthzPort, 10248),
    clusterDNS: pick(flags, 'cluster-dns', () => flags.list('cluster-dns'), c.clusterDNS, [] as string[]),
    clusterDomain: pick(flags, 'cluster-domain', () => flags.str('cluster-domain'), c.clusterDomain, ''),
    tlsCertFile: pick(flags, 'tls-cert-file', () => flags.str('tls-cert-file'), c.tlsCertFile, ''),
    tlsPrivateKeyFile: pick(flags, 'tls-private-key-file', () => flags.str('tls-private-key-file'), c.tlsPrivateKeyFile, ''),
    clientCAFile: pick(flags, 'client-ca-file', () => flags.str('client-ca-file'), auth.x509?.clientCAFile, ''),
    nodeStatusUpdateFrequencyMs: freq,
    registerNode: pick(flags, 'register-node', () => flags.bool('register-node'), c.registerNode, true),
    maxPods: pick(flags, 'max-pods', () => flags.int('max-pods'), c.maxPods, 110),
    nodeLabels: flags.map('node-labels'),
    registerWithTaints: taints,
    providerID: pick(flags, 'provider-id', () => flags.str('provider-id'), c.providerID, ''),
    podCIDR: pick(flags, 'pod-cidr', () => flags.str('pod-cidr'), c.podCIDR, ''),
  };
}
