import { buildIngressController, CertificateIssuer, createEnvironmentCas, issueHostPki, PORTS, type HostComponentsInput } from '@corral/kube';
import { FlagError, HelpRequested, parseControllerFlags } from './controller-flags';

const KC = '--kubeconfig=/etc/kc';

function parseError(argv: string[]): string {
  try {
    parseControllerFlags(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(FlagError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('parseControllerFlags', () => {
  it('accepts the command line the catalog builds, with the agent placeholders expanded', async () => {
    const cas = await createEnvironmentCas('ci');
    const host = { id: 'host-d', hostname: 'worker-d', address: '10.0.0.15' };
    const pki = await issueHostPki(await CertificateIssuer.load(cas), {
      host,
      kinds: ['ingress-controller'],
      apiServer: { controlPlaneAddresses: ['10.0.0.2'], serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local' },
    });
    const input: HostComponentsInput = {
      environment: { id: 'env-1', name: 'ci', kubernetesVersion: 'v1.36', networking: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local', dnsServiceIp: '10.43.0.10' } },
      host,
      kinds: ['ingress-controller'],
      etcd: { members: [], initialClusterState: 'new' },
      apiServerEndpoints: ['https://10.0.0.2:6443'],
      cas,
      pki,
      options: { ingress: { httpPort: 8080, httpsPort: 8443 } },
    };
    const spec = buildIngressController(input);
    expect(spec.binary).toBe('corral-ingress-controller');
    const argv = spec.args.map((arg) => arg.replaceAll('${address}', host.address).replaceAll('${componentDir}', '/var/lib/corral-agent/components/ingress-controller'));
    expect(parseControllerFlags(argv)).toEqual({
      kubeconfig: '/var/lib/corral-agent/components/ingress-controller/kubeconfig',
      bindAddress: '10.0.0.15',
      httpPort: 8080,
      httpsPort: 8443,
      healthzPort: PORTS.ingressHealthz,
      ingressClass: 'corral',
      logLevel: 'info',
      haproxy: 'haproxy',
      runDir: '/var/lib/corral-agent/components/ingress-controller',
    });
    // the probe the agent runs targets the health listener
    expect(spec.probe).toMatchObject({ type: 'http', port: PORTS.ingressHealthz, path: '/healthz' });
  });

  it('defaults ports to the catalog ports and binds 0.0.0.0 only when no address is given', () => {
    expect(parseControllerFlags([KC])).toMatchObject({ bindAddress: '0.0.0.0', httpPort: 80, httpsPort: 443, healthzPort: 10254 });
  });

  it('takes --name value as well as --name=value; the last of a repeated flag wins', () => {
    const config = parseControllerFlags(['--kubeconfig', '/etc/kc', '--bind-address', '::1', '--http-port=1', '--http-port', '2', '--healthz-port=3', '--https-port=4']);
    expect(config).toMatchObject({ kubeconfig: '/etc/kc', bindAddress: '::1', httpPort: 2, healthzPort: 3, httpsPort: 4 });
  });

  it('maps --v to log levels, and --log-level overrides it', () => {
    expect(parseControllerFlags([KC, '--v=0']).logLevel).toBe('info');
    expect(parseControllerFlags([KC, '--v=2']).logLevel).toBe('debug');
    expect(parseControllerFlags([KC, '--v=6']).logLevel).toBe('trace');
    expect(parseControllerFlags([KC, '--v=6', '--log-level=warn']).logLevel).toBe('warn');
  });

  it('accepts --ingress-class, which the catalog interface lists', () => {
    expect(parseControllerFlags([KC, '--ingress-class=corral']).ingressClass).toBe('corral');
    expect(parseError([KC, '--ingress-class=Not_Valid'])).toContain('--ingress-class');
  });

  it('needs --run-dir with --haproxy, short enough for its sockets', () => {
    expect(parseError([KC, '--haproxy=haproxy'])).toBe('--run-dir: required with --haproxy');
    expect(parseError([KC, '--haproxy=haproxy', `--run-dir=/${'d'.repeat(90)}`])).toContain('--run-dir: too long');
    expect(parseControllerFlags([KC, '--haproxy=/usr/sbin/haproxy', '--run-dir=/run/lb'])).toMatchObject({ haproxy: '/usr/sbin/haproxy', runDir: '/run/lb' });
  });

  it('rejects unknown flags, naming them', () => {
    expect(parseError([KC, '--secure-port=10254'])).toBe('unknown flag: --secure-port');
    expect(parseError([KC, '--kubeconfigs=/x'])).toBe('unknown flag: --kubeconfigs');
    expect(parseError([KC, '-v=2'])).toContain('unexpected argument "-v=2"');
    expect(parseError([KC, 'extra'])).toContain('unexpected argument "extra"');
  });

  it('names the flag of every bad value', () => {
    expect(parseError([])).toBe('--kubeconfig: required');
    expect(parseError(['--kubeconfig='])).toBe('--kubeconfig: required');
    expect(parseError(['--kubeconfig'])).toBe('flag needs an argument: --kubeconfig');
    expect(parseError([KC, '--bind-address=${address}'])).toContain('--bind-address');
    expect(parseError([KC, '--http-port=0'])).toContain('--http-port: 0 is not between 1 and 65535');
    expect(parseError([KC, '--https-port=65536'])).toContain('--https-port');
    expect(parseError([KC, '--healthz-port=ten'])).toContain('--healthz-port');
    expect(parseError([KC, '--v=-1'])).toContain('--v');
    expect(parseError([KC, '--log-level=loud'])).toContain('--log-level');
    expect(parseError([KC, '--http-port=9000', '--healthz-port=9000'])).toBe('--http-port and --healthz-port are both 9000; each listener needs its own port');
  });

  it('answers --help with the usage text', () => {
    expect(() => parseControllerFlags(['--help'])).toThrow(HelpRequested);
    expect(() => parseControllerFlags([KC, '-h'])).toThrow(/--healthz-port/);
  });
});
