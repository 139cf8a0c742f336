import { DEFAULT_KUBERNETES_VERSION, UPSTREAM_FLAGS as DOCUMENTED_FLAGS } from '@corral/kube';
import * as fc from 'fast-check';
import { FlagDef, FlagError, parseFlags, parseGoDuration } from './flag-parser';
import { KUBE_APISERVER_FLAGS, PARSER_FLAGS, STAND_IN_ONLY_FLAGS, UPSTREAM_FLAGS } from './upstream-flags';

const defs: FlagDef[] = [
  { name: 'secure-port', type: 'int', default: 6443 },
  { name: 'bind-address', type: 'ip', default: '0.0.0.0' },
  { name: 'anonymous-auth', type: 'bool', default: true },
  { name: 'etcd-servers', type: 'stringSlice' },
  { name: 'service-account-key-file', type: 'stringArray' },
  { name: 'feature-gates', type: 'map' },
  { name: 'request-timeout', type: 'duration' },
  { name: 'client-ca-file', type: 'string', file: true },
  { name: 'v', type: 'int', default: 0 },
];

describe('parseFlags', () => {
  it('accepts --flag=value and --flag value forms', () => {
    const f = parseFlags('x', defs, ['--secure-port=7443', '--bind-address', '127.0.0.2', '--etcd-servers', 'https://a:2379,https://b:2379']);
    expect(f.int('secure-port')).toBe(7443);
    expect(f.str('bind-address')).toBe('127.0.0.2');
    expect(f.list('etcd-servers')).toEqual(['https://a:2379', 'https://b:2379']);
    expect(f.isSet('secure-port')).toBe(true);
    expect(f.isSet('anonymous-auth')).toBe(false);
  });

  it('applies defaults for flags not given', () => {
    const f = parseFlags('x', defs, []);
    expect(f.int('secure-port')).toBe(6443);
    expect(f.bool('anonymous-auth')).toBe(true);
    expect(f.str('bind-address')).toBe('0.0.0.0');
  });

  it('treats a bare bool flag as true and does not consume the next argument', () => {
    expect(parseFlags('x', defs, ['--anonymous-auth=false']).bool('anonymous-auth')).toBe(false);
    expect(parseFlags('x', defs, ['--anonymous-auth', '--v=3']).bool('anonymous-auth')).toBe(true);
    expect(() => parseFlags('x', defs, ['--anonymous-auth', 'false'])).toThrow(/does not take any arguments/);
  });

  it('supports the -v shorthand and -h', () => {
    expect(parseFlags('x', defs, ['-v=4']).int('v')).toBe(4);
    expect(parseFlags('x', defs, ['-v', '2']).int('v')).toBe(2);
    expect(parseFlags('x', defs, ['-h']).help).toBe(true);
  });

  it('appends repeated slice/array flags and merges maps', () => {
    const f = parseFlags('x', defs, ['--service-account-key-file=a,b', '--service-account-key-file=c', '--feature-gates=A=true,B=false', '--feature-gates', 'C=true']);
    expect(f.list('service-account-key-file')).toEqual(['a,b', 'c']);
    expect(f.map('feature-gates')).toEqual({ A: 'true', B: 'false', C: 'true' });
  });

  it('parses Go durations', () => {
    expect(parseFlags('x', defs, ['--request-timeout=1m30s']).ms('request-timeout')).toBe(90_000);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('0')).toBe(0);
    expect(() => parseGoDuration('10')).toThrow();
  });

  it.each([
    [['--nope=1'], /unknown flag: --nope/],
    [['--secure-port=abc'], /invalid argument "abc" for "--secure-port"/],
    [['--bind-address=999.1.1.1'], /invalid argument/],
    [['--anonymous-auth=maybe'], /ParseBool/],
    [['--secure-port'], /flag needs an argument: --secure-port/],
    [['positional'], /does not take any arguments/],
    [['--client-ca-file=/does/not/exist.crt'], /--client-ca-file: open \/does\/not\/exist.crt: no such file or directory/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseFlags('x', defs, argv)).toThrow(FlagError);
    expect(() => parseFlags('x', defs, argv)).toThrow(message);
  });

  it('requires the flags upstream kube-apiserver requires', () => {
    expect(() => parseFlags('kube-apiserver', KUBE_APISERVER_FLAGS, ['--service-account-issuer=x'])).toThrow(/--etcd-servers must be specified/);
  });

  it('skips required-flag and file checks for --help and --version', () => {
    expect(parseFlags('kube-apiserver', KUBE_APISERVER_FLAGS, ['--version']).version).toBe(true);
    expect(parseFlags('kube-apiserver', KUBE_APISERVER_FLAGS, ['--help']).help).toBe(true);
  });

  it('round-trips any int value in both forms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.boolean(), (port, inline) => {
        const argv = inline ? [`--secure-port=${port}`] : ['--secure-port', String(port)];
        return parseFlags('x', defs, argv).int('secure-port') === port;
      }),
    );
  });
});

describe('upstream flag lists', () => {
  it.each(Object.entries(UPSTREAM_FLAGS))('%s has no duplicate flag names', (_, list) => {
    const names = list.map((d) => d.name);
    expect(names.length).toBe(new Set(names).size);
  });

  it('covers the flags the issue names', () => {
    const has = (bin: keyof typeof UPSTREAM_FLAGS, names: string[]) => {
      const known = new Set(UPSTREAM_FLAGS[bin].map((d) => d.name));
      expect(names.filter((n) => !known.has(n))).toEqual([]);
    };
    has('kube-apiserver', [
      'advertise-address', 'bind-address', 'secure-port', 'etcd-servers', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile', 'client-ca-file', 'tls-cert-file',
      'tls-private-key-file', 'service-cluster-ip-range', 'service-account-key-file', 'service-account-signing-key-file', 'service-account-issuer',
      'kubelet-client-certificate', 'kubelet-client-key', 'requestheader-client-ca-file', 'proxy-client-cert-file', 'proxy-client-key-file',
      'requestheader-allowed-names', 'requestheader-extra-headers-prefix', 'requestheader-group-headers', 'requestheader-username-headers',
      'authorization-mode', 'enable-admission-plugins', 'allow-privileged', 'anonymous-auth', 'kubelet-preferred-address-types', 'profiling', 'v',
    ]);
    has('kubelet', ['kubeconfig', 'config', 'hostname-override', 'node-ip', 'root-dir', 'cert-dir', 'container-runtime-endpoint', 'register-node', 'v']);
    has('kube-scheduler', ['kubeconfig', 'authentication-kubeconfig', 'authorization-kubeconfig', 'bind-address', 'secure-port', 'leader-elect', 'tls-cert-file', 'tls-private-key-file', 'v']);
    has('kube-controller-manager', [
      'kubeconfig', 'authentication-kubeconfig', 'authorization-kubeconfig', 'bind-address', 'secure-port', 'cluster-cidr', 'cluster-name', 'service-cluster-ip-range',
      'cluster-signing-cert-file', 'cluster-signing-key-file', 'root-ca-file', 'service-account-private-key-file', 'use-service-account-credentials', 'controllers',
      'leader-elect', 'allocate-node-cidrs', 'node-cidr-mask-size', 'tls-cert-file', 'tls-private-key-file', 'v',
    ]);
    has('kube-proxy', ['kubeconfig', 'config', 'hostname-override', 'bind-address', 'cluster-cidr', 'healthz-bind-address', 'v']);
  });

  it('uses the upstream default ports', () => {
    const def = (bin: keyof typeof UPSTREAM_FLAGS, name: string) => UPSTREAM_FLAGS[bin].find((d) => d.name === name)?.default;
    expect(def('kube-apiserver', 'secure-port')).toBe(6443);
    expect(def('kube-scheduler', 'secure-port')).toBe(10259);
    expect(def('kube-controller-manager', 'secure-port')).toBe(10257);
    expect(def('kube-proxy', 'healthz-bind-address')).toBe('0.0.0.0:10256');
  });
});

describe('one table of upstream flags', () => {
  it.each(Object.entries(UPSTREAM_FLAGS))('%s accepts exactly the flags the real binary documents (libs/kube)', (binary, list) => {
    const documented = [...DOCUMENTED_FLAGS[DEFAULT_KUBERNETES_VERSION][binary]!, ...(STAND_IN_ONLY_FLAGS[binary] ?? [])].filter((name) => !PARSER_FLAGS.has(name));
    expect(new Set(list.map((d) => d.name))).toEqual(new Set(documented));
  });
});
