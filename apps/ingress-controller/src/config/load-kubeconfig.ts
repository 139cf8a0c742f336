import { KubeConfig } from '@kubernetes/client-node';
import { accessSync, constants } from 'node:fs';

/** The kubeconfig cannot be used; the message says why. Exit code 2. */
export class KubeconfigError extends Error {}

/**
 * Loads --kubeconfig and checks what the controller needs from it: a current cluster with an
 * https server, and a user. Client certificate files it names must be readable.
 */
export function loadKubeconfig(path: string): KubeConfig {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KubeconfigError(`--kubeconfig: open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code}`);
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(path);
  } catch (err) {
    throw new KubeconfigError(`--kubeconfig ${path}: not a valid kubeconfig: ${(err as Error).message.split('\n')[0]}`);
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) throw new KubeconfigError(`--kubeconfig ${path}: no server for the current context ${JSON.stringify(kubeConfig.getCurrentContext() ?? '')}`);
  try {
    new URL(cluster.server);
  } catch {
    throw new KubeconfigError(`--kubeconfig ${path}: server ${JSON.stringify(cluster.server)} is not a URL`);
  }
  const user = kubeConfig.getCurrentUser();
  if (!user) throw new KubeconfigError(`--kubeconfig ${path}: no user for the current context`);
  for (const [field, file] of [
    ['client-certificate', user.certFile],
    ['client-key', user.keyFile],
    ['certificate-authority', cluster.caFile],
  ] as const) {
    if (!file) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw new KubeconfigError(`--kubeconfig ${path}: ${field} ${file}: ${(err as NodeJS.ErrnoException).code}`);
    }
  }
  return kubeConfig;
}
