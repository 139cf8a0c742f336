import type { ProbeType } from './component-rules';

/**
 * What the server asks a host to run. Paths, arguments, environment values and probe
 * fields may hold placeholders the agent expands on its host:
 *   ${componentDir}  the component's own directory (its files are written there)
 *   ${dataDir}       persistent data, kept across restarts and spec changes, wiped on removal
 *   ${address}       the host's address (--address)
 *   ${hostname}      the host's name (--hostname)
 *   ${binDir}        the agent's --bin-dir
 */
export const COMPONENT_KINDS = [
  'etcd',
  'kube-apiserver',
  'kube-scheduler',
  'kube-controller-manager',
  'ingress-controller',
  'containerd',
  'pod-network',
  'kubelet',
  'kube-proxy',
  'cluster-dns',
] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];


export interface ProbeSpec {
  type: ProbeType;
  /** http/https/tcp: defaults to ${address} */
  host?: string;
  port?: number;
  /** http/https: request path, e.g. /healthz */
  path?: string;
  /** https: CA to verify the server with; client certificate and key for mutual TLS */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** exec: argv; healthy when it exits 0 */
  command?: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  initialDelaySeconds?: number;
}

export interface FileSpec {
  /** relative to ${componentDir} */
  path: string;
  content: string;
  /** octal file mode, e.g. 0o600 for keys */
  mode: number;
  /**
   * expand the documented placeholders in the content too (config files that must name
   * per-host paths, such as containerd's or the kubelet's); default false: byte for byte
   */
  expandContent?: boolean;
}

/** A file an init step needs, fetched from the server with the host's credential and checked. */
export interface InitDownload {
  /** server path, e.g. /v1/agent/etcd-snapshots/<id>/data */
  url: string;
  /** lowercase hex SHA-256 of the content; a mismatch fails the step */
  sha256: string;
  /** relative to ${componentDir}; written with mode 0600 and removed once the step succeeded */
  path: string;
}

/**
 * A command run to completion before the component first starts, once per step (the agent
 * keeps a done-marker under ${dataDir}), e.g. restoring an etcd snapshot into the data dir.
 * A failed attempt is retried with the component's backoff and reported as the component's failure.
 */
export interface InitStep {
  /** unique within the component, e.g. "restore-snapshot" */
  name: string;
  /** executable name, looked up only in the agent's --bin-dir */
  binary: string;
  args: string[];
  env?: Record<string, string>;
  downloads?: InitDownload[];
  /** what the step creates (a path, placeholders allowed): removed before every attempt, so a half-done run never counts */
  output: string;
}

/**
 * A command the agent runs when the component is removed for good (not on a restart or a spec
 * change): `before-stop` while it still runs, `after-stop` once it has exited, before its
 * directories are wiped. Bounded by its timeout; a failure is logged and never blocks removal.
 */
export interface TeardownStep {
  when: 'before-stop' | 'after-stop';
  /** argv; an absolute path runs as it is, a bare name is looked up in --bin-dir */
  command: string[];
  timeoutSeconds: number;
}

export interface ComponentSpec {
  /** unique per host, e.g. "etcd", "kube-apiserver" */
  name: string;
  kind: ComponentKind | string;
  /** executable name, looked up only in the agent's --bin-dir */
  binary: string;
  args: string[];
  env?: Record<string, string>;
  files: FileSpec[];
  /** ports the component listens on, on the host's address */
  ports: number[];
  probe?: ProbeSpec;
  /** names of components on the same host that must be healthy first */
  dependsOn?: string[];
  /** seconds between SIGTERM and SIGKILL when stopping */
  stopGracePeriodSeconds?: number;
  /** run in order before the first start; see InitStep */
  init?: InitStep[];
  /** what removing the component must also clean up (e.g. containers outliving containerd); see TeardownStep */
  teardown?: TeardownStep[];
}

export interface DesiredComponent {
  name: string;
  kind: string;
  specHash: string;
  spec: ComponentSpec;
}
