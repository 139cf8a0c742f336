import type { Host } from './host.entity';

export function hostView(host: Host) {
  return {
    id: host.id,
    environmentId: host.environmentId,
    pool: host.pool,
    hostname: host.hostname,
    addresses: host.addresses,
    labels: host.labels,
    roles: host.roles,
    agentVersion: host.agentVersion,
    state: host.state,
    lastHeartbeatAt: host.lastHeartbeatAt,
    desiredRevision: host.desiredRevision,
    observedRevision: host.observedRevision,
    createdAt: host.createdAt,
  };
}
