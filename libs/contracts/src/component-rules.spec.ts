import { COMPONENT_NAME_MAX_LENGTH, isComponentName, isProbeType, PROBE_TYPES } from './component-rules';

const TRICKY_NAMES = ['etcd', 'kube-apiserver', 'a', '9', 'a.b', 'kube.apiserver', 'A', '-a', 'a-', '../etc', '', 'a_b', 'x'.repeat(COMPONENT_NAME_MAX_LENGTH), 'x'.repeat(COMPONENT_NAME_MAX_LENGTH + 1)];

describe('component rules', () => {
  it('takes DNS-1123 labels of at most 63 characters as component names', () => {
    expect(TRICKY_NAMES.filter(isComponentName)).toEqual(['etcd', 'kube-apiserver', 'a', '9', 'x'.repeat(63)]);
    expect(isComponentName(undefined)).toBe(false);
  });
  it('knows the four probe types', () => {
    expect(PROBE_TYPES.filter(isProbeType)).toEqual(['http', 'https', 'tcp', 'exec']);
    expect(isProbeType('grpc')).toBe(false);
  });
});
