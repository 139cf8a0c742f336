import { buildPodNetwork, createEnvironmentCas, PORTS, type HostComponentsInput } from '@corral/kube';
import { DEFAULT_HEALTHZ_PORT, FlagError, HelpRequested, parsePodNetworkFlags } from './pod-network-flags';

const BASE = ['--cluster-cidr=10.42.0.0/16', '--node-cidr=10.42.1.0/24'];

function parseError(argv: string[]): string {
  try {
    parsePodNetworkFlags(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(FlagError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('parsePodNetworkFlags', () => {
  it('accepts the command line the catalog builds for a worker, with ${address} expanded', async () => {
    const worker: HostComponentsInput = {
      environment: { id: 'env-1', name: 'ci', kubernetesVersion: 'v1.36', networking: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local', dnsServiceIp: '10.43.0.10' } },
      host: { id: 'host-d', hostname: 'worker-d', address: '10.0.0.15' },
      kinds: ['containerd', 'pod-network', 'kubelet', 'kube-proxy'],
      etcd: { members: [], initialClusterState: 'new' },
      apiServerEndpoints: ['https://10.0.0.2:6443'],
      cas: await createEnvironmentCas('ci'),
      pki: {},
      podNetwork: {
        nodeCidr: '10.42.3.0/24',
        routes: [
          { cidr: '10.42.10.0/24', via: '10.0.0.16' },
          { cidr: '10.42.0.0/24', via: '10.0.0.2' },
          { cidr: '10.42.1.0/24', via: '10.0.0.3' },
        ],
      },
    };
    const spec = buildPodNetwork(worker);
    expect(spec.binary).toBe('corral-pod-network');
    const argv = spec.args.map((arg) => arg.replaceAll('${address}', worker.host.address));
    const config = parsePodNetworkFlags(argv);
    expect(config).toEqual({
      clusterCidr: '10.42.0.0/16',
      nodeCidr: '10.42.3.0/24',
      routes: [
        { cidr: '10.42.0.0/24', via: '10.0.0.2' },
        { cidr: '10.42.1.0/24', via: '10.0.0.3' },
        { cidr: '10.42.10.0/24', via: '10.0.0.16' },
      ],
      bindAddress: '10.0.0.15',
      healthzPort: PORTS.podNetworkHealthz,
      resyncPeriodMs: 5000,
      iptables: 'iptables',
      logLevel: 'info',
    });
    expect(spec.probe).toMatchObject({ type: 'http', port: config.healthzPort, path: '/healthz' });
    expect(DEFAULT_HEALTHZ_PORT).toBe(PORTS.podNetworkHealthz);
  });

  it('has defaults for everything but the two CIDRs', () => {
    expect(parsePodNetworkFlags(BASE)).toEqual({
      clusterCidr: '10.42.0.0/16',
      nodeCidr: '10.42.1.0/24',
      routes: [],
      bindAddress: '0.0.0.0',
      healthzPort: 10258,
      resyncPeriodMs: 5000,
      iptables: 'iptables',
      logLevel: 'info',
    });
  });

  it('collects repeated --route, in both spellings, sorted by address', () => {
    const config = parsePodNetworkFlags([...BASE, '--route', '10.42.10.0/24=10.0.0.9', '--route=10.42.2.0/24=10.0.0.6', '--route=10.42.3.0/24=10.0.0.7']);
    expect(config.routes).toEqual([
      { cidr: '10.42.2.0/24', via: '10.0.0.6' },
      { cidr: '10.42.3.0/24', via: '10.0.0.7' },
      { cidr: '10.42.10.0/24', via: '10.0.0.9' },
    ]);
  });

  it('takes --name value; the last of a repeated single flag wins', () => {
    const config = parsePodNetworkFlags([...BASE, '--healthz-port', '1', '--healthz-port=2', '--resync-period', '1m', '--bind-address=::1', '--iptables=iptables-legacy']);
    expect(config).toMatchObject({ healthzPort: 2, resyncPeriodMs: 60_000, bindAddress: '::1', iptables: 'iptables-legacy' });
  });

  it('maps --v to log levels, and --log-level overrides it', () => {
    expect(parsePodNetworkFlags([...BASE, '--v=2']).logLevel).toBe('debug');
    expect(parsePodNetworkFlags([...BASE, '--v=5']).logLevel).toBe('trace');
    expect(parsePodNetworkFlags([...BASE, '--v=5', '--log-level=warn']).logLevel).toBe('warn');
  });

  it('names the flag of every bad value', () => {
    expect(parseError(['--node-cidr=10.42.1.0/24'])).toBe('--cluster-cidr: required');
    expect(parseError(['--cluster-cidr=10.42.0.0/16'])).toBe('--node-cidr: required');
    expect(parseError(['--cluster-cidr=10.42.0.0/16', '--node-cidr'])).toBe('flag needs an argument: --node-cidr');
    expect(parseError(['--cluster-cidr=10.42.0.1/16', '--node-cidr=10.42.1.0/24'])).toBe('--cluster-cidr: 10.42.0.1/16 has host bits set (the block is 10.42.0.0/16)');
    expect(parseError(['--cluster-cidr=fd00::/48', '--node-cidr=10.42.1.0/24'])).toContain('--cluster-cidr: "fd00::/48" is not an IPv4 CIDR');
    expect(parseError(['--cluster-cidr=10.42.0.0/16', '--node-cidr=10.43.1.0/24'])).toBe('--node-cidr: 10.43.1.0/24 is not inside --cluster-cidr 10.42.0.0/16');
    expect(parseError([...BASE, '--bind-address=${address}'])).toContain('--bind-address');
    expect(parseError([...BASE, '--healthz-port=0'])).toBe('--healthz-port: 0 is not between 1 and 65535');
    expect(parseError([...BASE, '--resync-period=5'])).toContain('--resync-period: "5" is not a duration');
    expect(parseError([...BASE, '--resync-period=10ms'])).toBe('--resync-period: 10ms is shorter than 100ms');
    expect(parseError([...BASE, '--iptables='])).toContain('--iptables');
    expect(parseError([...BASE, '--v=x'])).toContain('--v');
    expect(parseError([...BASE, '--log-level=loud'])).toContain('--log-level');
  });

  it('rejects routes that would break the pod network, saying why', () => {
    const route = (value: string) => parseError([...BASE, `--route=${value}`]);
    expect(route('10.42.2.0/24')).toContain('is not <cidr>=<gateway>');
    expect(route('10.42.2.1/24=10.0.0.6')).toContain('has host bits set');
    expect(route('10.42.2.0/24=host-b')).toContain('gateway "host-b" is not an IPv4 address');
    expect(route('10.42.2.0/24=127.0.0.3')).toContain('gateway 127.0.0.3 is not a unicast host address');
    expect(route('10.42.2.0/24=10.42.9.1')).toContain('is inside --cluster-cidr');
    expect(route('0.0.0.0/0=10.0.0.6')).toContain('0.0.0.0/0 is not inside --cluster-cidr 10.42.0.0/16');
    expect(route('10.42.0.0/20=10.0.0.6')).toBe("--route 10.42.0.0/20=10.0.0.6: 10.42.0.0/20 overlaps this host's --node-cidr 10.42.1.0/24");
    expect(parseError([...BASE, '--route=10.42.2.0/24=10.0.0.6', '--route=10.42.2.0/23=10.0.0.7'])).toBe(
      '--route 10.42.2.0/23=10.0.0.7: 10.42.2.0/23 overlaps --route 10.42.2.0/24=10.0.0.6',
    );
  });

  it('rejects unknown flags and arguments', () => {
    expect(parseError([...BASE, '--routes=x'])).toBe('unknown flag: --routes');
    expect(parseError([...BASE, 'extra'])).toContain('unexpected argument "extra"');
  });

  it('answers --help with the usage text', () => {
    expect(() => parsePodNetworkFlags(['--help'])).toThrow(HelpRequested);
    expect(() => parsePodNetworkFlags(['-h'])).toThrow(/--route=<cidr=gateway>/);
  });
});
