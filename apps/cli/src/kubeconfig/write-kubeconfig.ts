import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { mergeKubeconfig, namespacedKubeconfig } from './merge-kubeconfig';

/** Writes a kubeconfig for its owner only (0600), atomically. */
export function writeKubeconfigFile(path: string, yaml: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, yaml, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** The file kubectl writes to: the first entry of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(env: Record<string, string | undefined>, home: string): string {
  const first = env.KUBECONFIG?.split(delimiter).find(Boolean);
  return first ?? join(home, '.kube', 'config');
}

/** Adds the environment as context corral-<name> to the default kubeconfig and switches to it. */
export function mergeIntoDefaultKubeconfig(yaml: string, environment: string, env: Record<string, string | undefined>, home: string): { path: string; context: string } {
  const path = defaultKubeconfigPath(env, home);
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  writeKubeconfigFile(path, mergeKubeconfig(existing, namespacedKubeconfig(yaml, environment)));
  return { path, context: `corral-${environment}` };
}

