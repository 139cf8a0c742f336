export * from './kube-bin-dir';
