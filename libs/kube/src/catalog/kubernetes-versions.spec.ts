import {
  DEFAULT_KUBERNETES_VERSION,
  SUPPORTED_KUBERNETES_VERSIONS,
  toKubernetesVersion,
  validateKubernetesVersion,
} from './kubernetes-versions';

describe('Kubernetes versions', () => {
  it('supports v1.31 to v1.33 with v1.32 as default', () => {
    expect(SUPPORTED_KUBERNETES_VERSIONS).toEqual(['v1.31', 'v1.32', 'v1.33']);
    expect(DEFAULT_KUBERNETES_VERSION).toBe('v1.32');
  });

  it.each([
    ['v1.32', 'v1.32'],
    ['1.31', 'v1.31'],
    ['v1.33.4', 'v1.33'],
    [' v1.32.0 ', 'v1.32'],
  ])('accepts %p as %s', (input, version) => {
    expect(validateKubernetesVersion(input)).toEqual({ ok: true, version });
    expect(toKubernetesVersion(input)).toBe(version);
  });

  it.each(['v1.30', 'v1.34', 'v2.0'])('rejects unsupported %s, naming the supported ones', (input) => {
    const check = validateKubernetesVersion(input);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain('v1.31, v1.32, v1.33');
    expect(() => toKubernetesVersion(input)).toThrow(/not supported/);
  });

  it.each(['', 'latest', 'v1', 'v1.32.x', '1.32-rc.1'])('rejects malformed %p', (input) => {
    expect(validateKubernetesVersion(input)).toMatchObject({ ok: false, reason: expect.stringContaining('not a Kubernetes version') });
  });
});
