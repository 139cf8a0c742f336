export * from './pki';
export * from './catalog';
export { buildKubeconfig, buildTokenKubeconfig, type KubeconfigInput, type TokenKubeconfigInput } from './kubeconfig';
export * from './bootstrap/cluster-bootstrap-objects';
// the containerd socket rule and the pinned sandbox image: the agent's image importer and the
// server's image store use them (catalog/index.ts does not re-export them)
export { containerdSocket, SANDBOX_IMAGE } from './catalog/container-runtime';
// the one etcd v3 gateway client: the server's membership, status and snapshots, the stand-in apiserver's storage
export * from './etcd';
