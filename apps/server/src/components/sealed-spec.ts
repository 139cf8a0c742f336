import type { ComponentSpec, FileSpec } from '@corral/contracts';
import { SecretBox, environmentContext } from '../crypto/secret-box';

/** A spec file as stored: a secret one holds its content sealed (the API refuses the `sealed` field, so it cannot be forged). */
export type StoredFileSpec = FileSpec & { sealed?: true };

/** A file that others may not read (keys, kubeconfigs: mode 0600) is secret and sealed at rest. */
export const isSecretFile = (file: FileSpec): boolean => (file.mode & 0o004) === 0;

/** What a host's spec files are bound to: its environment, or the host itself for a pool host. */
export const specContext = (environmentId: string | null, hostId: string): string => (environmentId ? environmentContext(environmentId) : `host:${hostId}`);

/** The spec as stored: every secret file's content sealed (already sealed ones are kept as they are). */
export function sealSpec(spec: ComponentSpec, box: SecretBox, context: string): ComponentSpec {
  if (!spec.files.some((f) => isSecretFile(f) && !(f as StoredFileSpec).sealed)) return spec;
  const files = spec.files.map((f: StoredFileSpec) => (isSecretFile(f) && !f.sealed ? { ...f, content: box.seal(f.content, context), sealed: true as const } : f));
  return { ...spec, files };
}

/** The spec as the host runs it (and as its hash is computed): every sealed file opened. */
export function openSpec(spec: ComponentSpec, box: SecretBox, context: string): ComponentSpec {
  if (!spec.files.some((f) => (f as StoredFileSpec).sealed)) return spec;
  const files = spec.files.map((f: StoredFileSpec) => {
    if (!f.sealed) return f;
    const { sealed: _sealed, ...file } = f;
    return { ...file, content: box.open(f.content, context) };
  });
  return { ...spec, files };
}

/** Whether any of the spec's sealed files is under an older key, or any secret file is not sealed yet. */
export function specNeedsRewrap(spec: ComponentSpec, box: SecretBox): boolean {
  return spec.files.some((f: StoredFileSpec) => (f.sealed ? box.needsRewrap(f.content) : isSecretFile(f)));
}

/** The spec sealed again under the newest key. */
export function rewrapSpec(spec: ComponentSpec, box: SecretBox, context: string): ComponentSpec {
  return sealSpec(openSpec(spec, box, context), box, context);
}
