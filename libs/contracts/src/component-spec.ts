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
  'kubelet',
  'kube-proxy',
] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export type ProbeType = 'http' | 'https' | 'tcp' | 'exec';

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
}

export interface DesiredComponent {
  name: string;
  kind: string;
  specHash: string;
  spec: ComponentSpec;
}
