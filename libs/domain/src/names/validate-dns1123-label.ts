export const DNS1123_LABEL_MAX_LENGTH = 63;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a name against RFC 1123 label rules as Kubernetes applies them (environment names,
 * namespaces): at most 63 characters of lowercase alphanumerics or '-', starting and ending
 * with an alphanumeric. Returns a message explaining the first problem, or null when valid.
 */
export function validateDns1123Label(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'must not be empty';
  if (name.length > DNS1123_LABEL_MAX_LENGTH) {
    return `must be no more than ${DNS1123_LABEL_MAX_LENGTH} characters (got ${name.length})`;
  }
  if (!DNS1123_LABEL.test(name)) {
    return (
      `"${name}" is not a valid DNS-1123 label: use lowercase letters, digits and '-', ` +
      `starting and ending with a letter or digit (e.g. "my-env-1")`
    );
  }
  return null;
}
