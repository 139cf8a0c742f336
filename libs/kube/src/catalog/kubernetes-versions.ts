/**
 * Kubernetes minor versions the catalog can render: only those whose upstream binaries
 * tools/kube-build builds and CI runs for real; each maps to its own flag set, generated from
 * the binaries' own --help.
 */
export const SUPPORTED_KUBERNETES_VERSIONS = ['v1.36'] as const;
export type KubernetesVersion = (typeof SUPPORTED_KUBERNETES_VERSIONS)[number];
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = 'v1.36';

export type KubernetesVersionCheck =
  | { ok: true; version: KubernetesVersion }
  | { ok: false; reason: string };

const VERSION_PATTERN = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/;

/**
 * Accepts "v1.36", "1.36" or a patch release such as "v1.36.3" and names the catalog
 * minor version that renders it.
 */
export function validateKubernetesVersion(input: string): KubernetesVersionCheck {
  const match = VERSION_PATTERN.exec(input.trim());
  if (!match) return { ok: false, reason: `"${input}" is not a Kubernetes version like v1.36 or v1.36.3` };
  const minor = `v${Number(match[1])}.${Number(match[2])}`;
  const supported = SUPPORTED_KUBERNETES_VERSIONS.find((version) => version === minor);
  if (!supported) {
    return {
      ok: false,
      reason: `Kubernetes ${minor} is not supported; supported: ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}`,
    };
  }
  return { ok: true, version: supported };
}

/** Like validateKubernetesVersion, but throws on an unsupported version. */
export function toKubernetesVersion(input: string): KubernetesVersion {
  const check = validateKubernetesVersion(input);
  if (!check.ok) throw new Error(check.reason);
  return check.version;
}
