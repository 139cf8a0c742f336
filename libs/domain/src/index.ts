// @corral/domain: pure decision logic (no I/O). Server, agent and CLI import only from here.
export * from './names/validate-dns1123-label';
export * from './names/parse-duration';
export * from './labels/label-syntax';
export * from './labels/parse-labels';
export * from './labels/parse-label-selector';
export * from './labels/matches-label-selector';
export * from './lifecycle/environment-state-machine';
export * from './lifecycle/host-state';
export * from './lifecycle/assess-wait';
export * from './conditions/conditions';
export * from './planner';
export * from './status/derive-environment-status';
export * from './status/derive-component-conditions';
export * from './rollout/plan-rollout';
export * from './ipam/cidr';
export * from './ipam/allocate-node-cidrs';
export * from './retry/backoff';
