import { isRunId, networkNames, newRunId, runIdOf } from './network-names';

describe('networkNames', () => {
  it('keeps interface names within 15 characters for up to 253 hosts', () => {
    const id = newRunId();
    expect(isRunId(id)).toBe(true);
    expect(networkNames.bridge(id).length).toBeLessThanOrEqual(15);
    expect(networkNames.rootLink(id, 252).length).toBeLessThanOrEqual(15);
  });

  it('maps every name it makes back to its run id, and nothing else', () => {
    const id = newRunId();
    expect(runIdOf(networkNames.bridge(id))).toBe(id);
    expect(runIdOf(networkNames.rootLink(id, 12))).toBe(id);
    expect(runIdOf(networkNames.namespace(id, 3))).toBe(id);
    for (const foreign of ['eth0', 'docker0', 'crl-abc-h0', 'crlabcdefgbr', 'crl-abcdef-x0', 'crlabcdefv']) {
      expect(runIdOf(foreign)).toBeNull();
    }
  });
});
