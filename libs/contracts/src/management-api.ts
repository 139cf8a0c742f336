/**
 * Wire types of the management API (/v1) that clients such as the `corral` CLI read and send.
 * Times are ISO-8601 strings. Fields are only ever added, never renamed or removed.
 */
import type { HostRole } from './agent-protocol';

export const ENVIRONMENT_STATE_NAMES = ['pending', 'provisioning', 'active', 'degraded', 'upgrading', 'deleting', 'deleted', 'error'] as const;
export type EnvironmentStateName = (typeof ENVIRONMENT_STATE_NAMES)[number];

export interface ConditionView {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** hosts taken from a pool for an environment: `count` idle hosts matching `labelSelector` */
export interface HostClaimRequest {
  pool: string;
  count: number;
  labelSelector?: string;
}

/** POST /v1/environments (send an Idempotency-Key header to make retries safe) */
export interface CreateEnvironmentRequest {
  name: string;
  kubernetesVersion?: string;
  labels?: Record<string, string>;
  etcd?: { members: 1 | 3 | 5 };
  /** e.g. "30m", "2h": the environment is deleted this long after creation */
  ttl?: string;
  hosts?: HostClaimRequest;
  /** with `hosts`: create even when too few hosts are idle and claim them as they free up */
  waitForHosts?: boolean;
}

/** PATCH /v1/environments/{env} */
export interface UpdateEnvironmentRequest {
  labels?: Record<string, string>;
  /** new time to live, counted from now */
  ttl?: string;
}

export interface EnvironmentResource {
  id: string;
  name: string;
  kubernetesVersion: string;
  state: EnvironmentStateName;
  stateReason: string | null;
  conditions: ConditionView[];
  labels: Record<string, string>;
  networking: { clusterCidr: string; serviceCidr: string; clusterDomain: string; dnsServiceIp: string };
  etcd: { members: number };
  /** the pool claim the environment was created with, or null for hosts registered to it directly */
  hosts: { pool: string; count: number; labelSelector: string | null; waitForHosts: boolean } | null;
  ttlSeconds: number | null;
  expiresAt: string | null;
  certificatesExpireAt: string | null;
  generation: number;
  observedGeneration: number;
  createdAt: string;
  updatedAt: string;
}

/** GET /v1/environments/{env}?waitFor=<state>&timeout=<seconds>: the environment plus how the wait ended */
export const WAIT_RESULTS = ['reached', 'failed', 'timedOut'] as const;
export type WaitResult = (typeof WAIT_RESULTS)[number];
/** also sent as the Corral-Wait-Result header */
export const WAIT_RESULT_HEADER = 'corral-wait-result';

export interface WaitOutcomeView {
  for: EnvironmentStateName;
  result: WaitResult;
  /** when failed: why (e.g. the condition that failed and its message with the last log lines) */
  failure?: { reason: string; message: string; condition?: ConditionView };
  waitedMs: number;
}

export type EnvironmentWaitResponse = EnvironmentResource & { wait?: WaitOutcomeView };

export interface ListResponse<T> {
  items: T[];
  /** opaque token for the next page */
  continue?: string;
}

export interface HostResource {
  id: string;
  environmentId: string | null;
  pool: string | null;
  hostname: string;
  addresses: string[];
  labels: Record<string, string>;
  roles: string[];
  agentVersion: string | null;
  state: string;
  lastHeartbeatAt: string | null;
  desiredRevision: number;
  observedRevision: number;
  createdAt: string;
  /** Connected and ComponentsHealthy */
  conditions: ConditionView[];
}

export interface HostComponentRow {
  name: string;
  kind: string;
  observed: { phase: string; healthy: boolean; restarts: number; message: string | null; crashLoop: boolean; lastLogLines: string[]; exitCode: number | null } | null;
}

/** GET /v1/hosts/{id}: `images`, what the host's agent last reported about each desired image */
export interface HostImageRow {
  id: string;
  name: string;
  sha256: string;
  imported: boolean;
  message: string | null;
  /** failed attempts in a row */
  failures: number;
  importedAt: string | null;
}

export const IMAGE_SOURCES = ['bundled', 'uploaded'] as const;
/** bundled: imported at start from CORRAL_IMAGE_DIR; uploaded: POST /v1/images */
export type ImageSource = (typeof IMAGE_SOURCES)[number];

/**
 * POST /v1/images (body: an OCI image layout tar, Content-Type application/x-tar),
 * GET /v1/images, GET /v1/images/{id}, DELETE /v1/images/{id}
 */
export interface ImageResource {
  id: string;
  /** from the archive's index.json (annotation io.containerd.image.name), unique */
  name: string;
  /** lowercase hex SHA-256 of the archive */
  sha256: string;
  sizeBytes: number;
  /** digest of the image manifest (what `ctr images ls` shows) */
  manifestDigest: string;
  source: ImageSource;
  createdAt: string;
}

/** GET /v1/pools */
export interface PoolResource {
  name: string;
  hosts: {
    total: number;
    /** active, in no environment, nothing left running: can be claimed */
    idle: number;
    claimed: number;
    /** in no environment but disconnected or lost, or still stopping what it ran */
    unavailable: number;
  };
  /** environments waiting for hosts of this pool (waitForHosts) */
  waitingEnvironments: number;
}

/** POST /v1/environments/{env}/registration-tokens and /v1/pools/{pool}/registration-tokens */
export interface RegistrationTokenCreated {
  id: string;
  /** shown only in this answer */
  token: string;
  expiresAt: string | null;
  maxUses: number | null;
  /** the roles its hosts may take; null: any */
  roles: HostRole[] | null;
  /** the corral-agent line that registers a host with it, pinning the server's CA (--ca-fingerprint) */
  agentCommand: string;
}

export interface ApiErrorResponse {
  statusCode: number;
  error: string;
  message: string;
  details?: { field: string; message: string }[];
}

/**
 * GET /v1/environments/{env}/events with Accept: text/event-stream. The first message
 * (`environment`, no id) is the environment as it is; then one message per event with
 * `id:` the event id (send it back as Last-Event-ID to resume) and `event:` its kind.
 * The stream ends with `end` once the environment is deleted.
 */
export const ENVIRONMENT_STREAM_KINDS = ['environment', 'state', 'condition', 'component', 'host', 'event', 'end'] as const;
export type EnvironmentStreamKind = (typeof ENVIRONMENT_STREAM_KINDS)[number];

export interface EnvironmentEventView {
  id: string;
  environmentId: string | null;
  hostId: string | null;
  component: string | null;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  createdAt: string;
  /** a component's event whose reason occurred more than once: how often (older ones past the repeat cap are pruned) */
  repeatCount?: number;
  /** how the stream classifies it */
  kind: Exclude<EnvironmentStreamKind, 'environment' | 'end'>;
  /** kind state: the state the environment moved to */
  state?: EnvironmentStateName;
  /** kind condition: the condition type and status it reports */
  condition?: { type: string; status: 'True' | 'False' | 'Unknown' };
}

/** GET/POST/DELETE /v1/environments/{env}/ca-rotation: a rotation of the environment's cluster CA */
export interface CaRotationResource {
  environment: string;
  id: string;
  ca: 'cluster';
  /** trust-both → reissue → drop-old, then completed (or cancelled, from trust-both only) */
  phase: 'trust-both' | 'reissue' | 'drop-old' | 'completed' | 'cancelled';
  active: boolean;
  /** components of the environment healthy on the running phase's spec; null before the first reconcile of a phase */
  progress: { total: number; settled: number } | null;
  /** each phase's start and end, and how long it took */
  phases: Array<{ phase: 'trust-both' | 'reissue' | 'drop-old'; startedAt: string; endedAt: string | null; seconds: number | null }>;
  requestedBy: string | null;
  startedAt: string;
  phaseStartedAt: string;
  finishedAt: string | null;
}
