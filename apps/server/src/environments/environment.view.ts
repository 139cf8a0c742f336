import type { Environment } from './environment.entity';

/** The API's representation of an environment. */
export function environmentView(env: Environment) {
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
    ttlSeconds: env.ttlSeconds,
    expiresAt: env.expiresAt,
    certificatesExpireAt: env.certificatesExpireAt,
    generation: env.generation,
    observedGeneration: env.observedGeneration,
    createdAt: env.createdAt,
    updatedAt: env.updatedAt,
  };
}
export type EnvironmentView = ReturnType<typeof environmentView>;
