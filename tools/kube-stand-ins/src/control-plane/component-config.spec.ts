import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readComponentConfig, splitHostPort } from './component-config';

describe('splitHostPort', () => {
  it.each([
    ['127.0.0.2:10256', { host: '127.0.0.2', port: 10256 }],
    ['0.0.0.0', { host: '0.0.0.0', port: 10256 }],
    [':9000', { host: '0.0.0.0', port: 9000 }],
    ['[::1]:10256', { host: '::1', port: 10256 }],
  ])('%s', (value, expected) => expect(splitHostPort(value, 10256)).toEqual(expected));
});

describe('readComponentConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'component-config-'));
  it('reads a document of the expected kind and rejects others', () => {
    const ok = join(dir, 'ok.yaml');
    writeFileSync(ok, 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n');
    expect(readComponentConfig(ok, 'KubeProxyConfiguration', ['kubeproxy.config.k8s.io/v1alpha1']).mode).toBe('iptables');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: Pod\n');
    expect(() => readComponentConfig(bad, 'KubeProxyConfiguration', ['kubeproxy.config.k8s.io/v1alpha1'])).toThrow(/no kind "Pod"/);
  });
});
