import type { DesiredComponent } from './component-spec';

/** POST /v1/agent/register */
export interface RegisterRequest {
  token: string;
  hostname: string;
  addresses: string[];
  labels?: Record<string, string>;
  roles?: HostRole[];
  agentVersion?: string;
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

/** GET /v1/agent/desired?after=<revision>&wait=<seconds> */
export interface DesiredState {
  hostId: string;
  revision: number;
  components: DesiredComponent[];
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

/** PUT /v1/agent/status: a full snapshot, never a delta */
export interface StatusReport {
  agentVersion: string;
  /** the desired revision the agent has applied */
  observedRevision: number;
  components: ObservedComponent[];
}
