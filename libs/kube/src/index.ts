export * from './pki';
export * from './catalog';
export { buildKubeconfig, type KubeconfigInput } from './kubeconfig';
export * from './bootstrap/cluster-bootstrap-objects';
