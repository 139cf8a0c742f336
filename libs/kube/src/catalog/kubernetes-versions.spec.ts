import {
  DEFAULT_KUBERNETES_VERSION,
  SUPPORTED_KUBERNETES_VERSIONS,
  toKubernetesVersion,
  validateKubernetesVersion,
} from './kubernetes-versions';

describe('Kubernetes versions', () => {
  it('offers only v1.36, the version tools/kube-build builds and CI runs', () => {
    expect(SUPPORTED_KUBERNETES_VERSIONS).toEqual(['v1.36']);
    expect(DEFAULT_KUBERNETES_VERSION).toBe('v1.36');
  });

  it.each([
    ['v1.36', 'v1.36'],
    ['1.36', 'v1.36'],
    ['v1.36.3', 'v1.36'],
    [' v1.36.0 ', 'v1.36'],
  ])('accepts %p as %s', (input, version) => {
    expect(validateKubernetesVersion(input)).toEqual({ ok: true, version });
    expect(toKubernetesVersion(input)).toBe(version);
  });

  it.each(['v1.32', 'v1.35', 'v1.37', 'v2.0'])('rejects unsupported %s, naming the supported ones', (input) => {
    const check = validateKubernetesVersion(input);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain('supported: v1.36');
    expect(() => toKubernetesVersion(input)).toThrow(/not supported/);
  });

  it.each(['', 'latest', 'v1', 'v1.36.x', '1.36-rc.1'])('rejects malformed %p', (input) => {
    expect(validateKubernetesVersion(input)).toMatchObject({ ok: false, reason: expect.stringContaining('not a Kubernetes version') });
  });
});
