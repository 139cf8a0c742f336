import type { DesiredComponent } from './component-spec';

/** POST /v1/agent/register */
export interface RegisterRequest {
  token: string;
  hostname: string;
  addresses: string[];
  labels?: Record<string, string>;
  roles?: HostRole[];
  agentVersion?: string;
  /** random, kept while one registration is retried: a retry whose answer was lost gets the same host back */
  registrationId?: string;
}
export interface RegisterResponse {
  hostId: string;
  /** shown once; the agent keeps it in its state dir (mode 0600) */
  credential: string;
  environmentId: string | null;
  pool: string | null;
}

export const HOST_ROLES = ['etcd', 'controlplane', 'worker'] as const;
export type HostRole = (typeof HOST_ROLES)[number];

/**
 * An OCI image archive the server keeps (POST /v1/images). Every host whose desired state has a
 * `containerd` component imports each one into its containerd (namespace k8s.io), so pods use it
 * by name with imagePullPolicy IfNotPresent and no registry.
 */
export interface DesiredImage {
  id: string;
  /** the full reference the archive names (annotation io.containerd.image.name), e.g. corral.local/busybox:1.35.0 */
  name: string;
  /** lowercase hex SHA-256 of the archive, as GET /v1/agent/images/{id}/data sends it */
  sha256: string;
  sizeBytes: number;
  /** digest of the image manifest, what `ctr images ls` shows (sha256:…) */
  manifestDigest?: string;
}

/** GET /v1/agent/desired?after=<revision>&wait=<seconds> */
export interface DesiredState {
  hostId: string;
  revision: number;
  components: DesiredComponent[];
  /**
   * every stored image when a `containerd` component is desired on the host, else []; absent
   * from servers older than image support. A change bumps the revision but no component's spec.
   */
  images?: DesiredImage[];
}

export const COMPONENT_PHASES = ['pending', 'starting', 'running', 'unhealthy', 'failed', 'stopped'] as const;
export type ComponentPhase = (typeof COMPONENT_PHASES)[number];

export interface ObservedComponent {
  name: string;
  specHash: string;
  phase: ComponentPhase;
  healthy: boolean;
  restarts: number;
  pid?: number | null;
  exitCode?: number | null;
  message?: string | null;
  /** ISO time the component entered its current phase */
  since: string;
  /** true when restarts come faster than the backoff resets */
  crashLoop?: boolean;
  lastLogLines?: string[];
}

/** One desired image as the host's agent sees it: imported into its containerd, or why not (yet). */
export interface ObservedImage {
  id: string;
  name: string;
  sha256: string;
  imported: boolean;
  /** what is under way or the last failure (with the retry time) while not imported; null once imported */
  message?: string | null;
  /** failed attempts in a row at importing this image (0 once imported) */
  failures?: number;
  /** ISO time of the import this host's containerd holds */
  importedAt?: string | null;
}

/** PUT /v1/agent/status: a full snapshot, never a delta */
export interface StatusReport {
  agentVersion: string;
  /** the desired revision the agent has applied */
  observedRevision: number;
  components: ObservedComponent[];
  /** every desired image (see DesiredState.images); sent only when the desired state carried `images` */
  images?: ObservedImage[];
}
