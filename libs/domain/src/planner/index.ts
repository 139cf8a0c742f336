export * from './planner-types';
export { planPlacement, DEFAULT_MAX_UNHEALTHY } from './plan-placement';
export { planEtcd, etcdQuorum, type EtcdPlan, type EtcdPlanInput } from './plan-etcd';
export { CONTROL_PLANE_KINDS, WORKER_KINDS, hasRole, canRunKind } from './eligibility';
export { tooManyUnhealthy } from './remediation-limit';
export { planPoolHosts, type PoolHostView, type PoolHostsPlan } from './plan-pool-hosts';
