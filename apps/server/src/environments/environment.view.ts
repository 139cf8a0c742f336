import type { EnvironmentResource } from '@corral/contracts';
import type { Environment } from './environment.entity';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The API's representation of an environment (the wire type lives in @corral/contracts). */
export function environmentView(env: Environment): EnvironmentResource {
  return {
    id: env.id,
    name: env.name,
    kubernetesVersion: env.kubernetesVersion,
    state: env.state,
    stateReason: env.stateReason,
    conditions: env.conditions,
    labels: env.labels,
    networking: env.networking,
    etcd: { members: env.etcdMembers },
    hosts: env.hostPool ? { pool: env.hostPool, count: env.hostCount ?? 0, labelSelector: env.hostLabelSelector, waitForHosts: env.waitForHosts } : null,
    ttlSeconds: env.ttlSeconds,
    expiresAt: iso(env.expiresAt),
    certificatesExpireAt: iso(env.certificatesExpireAt),
    generation: env.generation,
    observedGeneration: env.observedGeneration,
    createdAt: iso(env.createdAt)!,
    updatedAt: iso(env.updatedAt)!,
  };
}
export type EnvironmentView = EnvironmentResource;
