import { parseFlags } from '../common/flag-parser';
import { KUBELET_FLAGS } from '../common/upstream-flags';
import { parseKubeletConfiguration, parseTaint, resolveKubeletSettings } from './kubelet-settings';

const CONFIG = `
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.5
port: 11250
healthzBindAddress: 127.0.0.5
healthzPort: 11248
clusterDNS: [10.43.0.10]
clusterDomain: cluster.local
tlsCertFile: /pki/kubelet.crt
tlsPrivateKeyFile: /pki/kubelet.key
nodeStatusUpdateFrequency: 5s
authentication:
  x509:
    clientCAFile: /pki/ca.crt
`;

describe('kubelet settings', () => {
  it('reads the KubeletConfiguration fields the stand-in uses', () => {
    const s = resolveKubeletSettings(parseFlags('kubelet', KUBELET_FLAGS, []), parseKubeletConfiguration(CONFIG, 'config.yaml'));
    expect(s).toMatchObject({
      address: '127.0.0.5',
      port: 11250,
      healthzBindAddress: '127.0.0.5',
      healthzPort: 11248,
      clusterDNS: ['10.43.0.10'],
      clusterDomain: 'cluster.local',
      tlsCertFile: '/pki/kubelet.crt',
      tlsPrivateKeyFile: '/pki/kubelet.key',
      clientCAFile: '/pki/ca.crt',
      nodeStatusUpdateFrequencyMs: 5000,
      registerNode: true,
    });
  });

  it('uses upstream defaults without a config file', () => {
    const s = resolveKubeletSettings(parseFlags('kubelet', KUBELET_FLAGS, []), undefined);
    expect(s).toMatchObject({ address: '0.0.0.0', port: 10250, healthzBindAddress: '127.0.0.1', healthzPort: 10248, nodeStatusUpdateFrequencyMs: 10_000, maxPods: 110 });
  });

  it('lets flags given on the command line win over the file', () => {
    const flags = parseFlags('kubelet', KUBELET_FLAGS, ['--healthz-port=9999', '--register-node=false', '--register-with-taints=dedicated=infra:NoSchedule', '--node-labels=a=b']);
    const s = resolveKubeletSettings(flags, parseKubeletConfiguration(CONFIG, 'config.yaml'));
    expect(s.healthzPort).toBe(9999);
    expect(s.healthzBindAddress).toBe('127.0.0.5');
    expect(s.registerNode).toBe(false);
    expect(s.registerWithTaints).toEqual([{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]);
    expect(s.nodeLabels).toEqual({ a: 'b' });
  });

  it('rejects documents of another kind', () => {
    expect(() => parseKubeletConfiguration('apiVersion: v1\nkind: ConfigMap\n', 'x.yaml')).toThrow(/no kind "ConfigMap" is registered/);
    expect(() => parseTaint('nonsense')).toThrow(/invalid taint/);
  });
});
