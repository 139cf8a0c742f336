const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_MAX = 63;
const PREFIX_MAX = 253;

/**
 * Validates a Kubernetes label key: an optional DNS-1123 subdomain prefix (<= 253 chars) and
 * '/', then a name of <= 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric.
 * Returns a message or null.
 */
export function validateLabelKey(key: string): string | null {
  if (key.length === 0) return 'label key must not be empty';
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null) {
    if (prefix.length === 0) return `label key "${key}": prefix before '/' must not be empty`;
    if (prefix.length > PREFIX_MAX) return `label key "${key}": prefix must be no more than ${PREFIX_MAX} characters`;
    if (!DNS1123_SUBDOMAIN.test(prefix)) {
      return `label key "${key}": prefix "${prefix}" must be a DNS subdomain (lowercase letters, digits, '-' and '.')`;
    }
  }
  if (name.length === 0) return `label key "${key}": name part must not be empty`;
  if (name.length > NAME_MAX) return `label key "${key}": name part must be no more than ${NAME_MAX} characters`;
  if (!QUALIFIED_NAME.test(name)) {
    return (
      `label key "${key}": name part must consist of letters, digits, '-', '_' or '.', ` +
      `and start and end with a letter or digit`
    );
  }
  return null;
}

/**
 * Validates a Kubernetes label value: empty, or <= 63 letters, digits, '-', '_' or '.',
 * starting and ending with a letter or digit. Returns a message or null.
 */
export function validateLabelValue(value: string): string | null {
  if (value.length === 0) return null;
  if (value.length > NAME_MAX) return `label value "${value}" must be no more than ${NAME_MAX} characters`;
  if (!QUALIFIED_NAME.test(value)) {
    return (
      `label value "${value}" must be empty or consist of letters, digits, '-', '_' or '.', ` +
      `and start and end with a letter or digit`
    );
  }
  return null;
}

/** Validates every key and value of a label map; returns all problems (empty when valid). */
export function validateLabels(labels: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = validateLabelKey(key);
    if (keyProblem) problems.push(keyProblem);
    if (typeof value !== 'string') problems.push(`label "${key}": value must be a string`);
    else {
      const valueProblem = validateLabelValue(value);
      if (valueProblem) problems.push(`label "${key}": ${valueProblem}`);
    }
  }
  return problems;
}
