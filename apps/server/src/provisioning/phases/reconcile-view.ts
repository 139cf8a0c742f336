import type { ComponentSpec } from '@corral/contracts';
import { componentKey, type ComponentStatusInput, type Placement } from '@corral/domain';
import type { Environment } from '../../environments/environment.entity';
import type { Host } from '../../hosts/host.entity';
import type { ComponentStatus } from '../../components/component-status.entity';

/** What the reconcile phases read of an environment. */
export type ReconcileEnvironment = Pick<Environment, 'id' | 'name' | 'kubernetesVersion' | 'networking' | 'etcdMembers' | 'state' | 'conditions' | 'hostPool' | 'hostCount'>;
/** What the reconcile phases read of a host. */
export type ReconcileHost = Pick<Host, 'id' | 'hostname' | 'addresses' | 'roles' | 'state' | 'labels' | 'pool'>;

/** A component's desired state as last written. */
export interface WrittenComponent {
  hostId: string;
  name: string;
  kind: string;
  spec: ComponentSpec;
  specHash: string;
}

/** What an agent last reported about one of its components. */
export type ReportedStatus = Pick<ComponentStatus, 'hostId' | 'name' | 'specHash' | 'phase' | 'healthy'> &
  Partial<Pick<ComponentStatus, 'message' | 'exitCode' | 'crashLoop' | 'lastLogLines'>>;

/**
 * Observe phase: the environment's hosts, its written components and the agents' reports,
 * indexed once by componentKey for every later phase.
 */
export interface ReconcileView {
  hosts: ReconcileHost[];
  hostById: Map<string, ReconcileHost>;
  components: WrittenComponent[];
  /** written components by componentKey(hostId, name) */
  written: Map<string, WrittenComponent>;
  /** reports by componentKey(hostId, name), including components no longer written */
  statusOf: Map<string, ReportedStatus>;
  /** the placement the written components make */
  current: Placement[];
  /** reports of written components, with their kind (for deriveEnvironmentStatus) */
  componentStatuses: ComponentStatusInput[];
}

/** The address every component on a host binds to and is reached at. */
export const hostAddress = (host: Pick<Host, 'addresses'>): string => host.addresses[0]!;

export function indexView(hosts: ReconcileHost[], components: WrittenComponent[], statuses: readonly ReportedStatus[]): ReconcileView {
  const written = new Map(components.map((c) => [componentKey(c.hostId, c.name), c]));
  return {
    hosts,
    hostById: new Map(hosts.map((h) => [h.id, h])),
    components,
    written,
    statusOf: new Map(statuses.map((s) => [componentKey(s.hostId, s.name), s])),
    current: components.map((c) => ({ hostId: c.hostId, kind: c.kind as Placement['kind'] })),
    componentStatuses: statuses
      .filter((s) => written.has(componentKey(s.hostId, s.name)))
      .map((s) => ({ ...s, kind: written.get(componentKey(s.hostId, s.name))!.kind, lastLogLines: s.lastLogLines })),
  };
}
