export * from './cpu-usage';
export * from './limit-plan';
export * from './kube-client';
export * from './limit-probe';
export * from './physical-limit';
export * from './statistics';
