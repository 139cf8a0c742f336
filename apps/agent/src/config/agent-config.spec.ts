import fc from 'fast-check';
import { validateLabelKey } from '@corral/domain';
import { ConfigError, HelpRequested, parseAgentConfig, parseDuration, parseLabels } from './agent-config';

const base = { defaultHostname: () => 'Node-A', defaultAddress: () => '10.1.2.3' };
const parse = (argv: string[], env: Record<string, string> = {}) => parseAgentConfig({ argv, env, ...base });

describe('parseAgentConfig', () => {
  it('parses every flag', () => {
    const c = parse([
      '--server', 'https://corral.example:8443',
      '--token', 'tok',
      '--state-dir', '/s',
      '--bin-dir', '/b',
      '--address', '192.168.1.5',
      '--hostname', 'worker-1',
      '--labels', 'zone=a,example.com/tier=gold',
      '--roles', 'etcd,worker',
      '--stop-components-on-exit',
      '--heartbeat-interval', '2s',
    ]);
    expect(c).toMatchObject({
      token: 'tok',
      stateDir: '/s',
      binDir: '/b',
      address: '192.168.1.5',
      hostname: 'worker-1',
      labels: { zone: 'a', 'example.com/tier': 'gold' },
      roles: ['etcd', 'worker'],
      stopComponentsOnExit: true,
      heartbeatIntervalMs: 2000,
      pollWaitSeconds: 30,
    });
    expect(c.server.href).toBe('https://corral.example:8443/');
  });

  it('takes CORRAL_* variables when a flag is absent, and the flag when both are given', () => {
    const env = {
      CORRAL_SERVER: 'https://s:1',
      CORRAL_TOKEN: 'envtok',
      CORRAL_STATE_DIR: '/env-state',
      CORRAL_BIN_DIR: '/env-bin',
      CORRAL_ADDRESS: '10.9.9.9',
      CORRAL_HOSTNAME: 'env-host',
      CORRAL_LABELS: 'a=b',
      CORRAL_ROLES: 'controlplane',
      CORRAL_HEARTBEAT_INTERVAL: '750ms',
      CORRAL_STOP_COMPONENTS_ON_EXIT: 'true',
    };
    expect(parse([], env)).toMatchObject({
      token: 'envtok',
      stateDir: '/env-state',
      binDir: '/env-bin',
      address: '10.9.9.9',
      hostname: 'env-host',
      labels: { a: 'b' },
      roles: ['controlplane'],
      heartbeatIntervalMs: 750,
      stopComponentsOnExit: true,
    });
    expect(parse(['--state-dir', '/flag'], env).stateDir).toBe('/flag');
  });

  it('defaults the hostname (lowercased) and address from the host', () => {
    const c = parse(['--server', 'https://s']);
    expect(c.hostname).toBe('node-a');
    expect(c.address).toBe('10.1.2.3');
    expect(c.token).toBeNull();
    expect(c.heartbeatIntervalMs).toBe(5000);
    expect(c.stopComponentsOnExit).toBe(false);
  });

  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [[], /--server: required/],
    [['--server', 'ftp://x'], /--server: must be an http/],
    [['--server', 'https://s', '--address', 'not-an-ip'], /--address: "not-an-ip" is not an IP address/],
    [['--server', 'https://s', '--hostname', 'bad_name'], /--hostname: "bad_name"/],
    [['--server', 'https://s', '--roles', 'etcd,master'], /--roles: "master" is not one of/],
    [['--server', 'https://s', '--labels', 'novalue'], /--labels: .*"novalue" is missing '='/],
    [['--server', 'https://s', '--heartbeat-interval', 'soon'], /--heartbeat-interval: "soon" is not a duration/],
    [['--server', 'https://s', '--token'], /option '--token <token>' argument missing/],
    [['--server', 'https://s', 'extra'], /too many arguments/],
    [['--server', 'http://127.0.0.1:8080'], /plain HTTP.*--insecure-http/],
    [['--server', 'http://10.0.0.1:8080', '--insecure-http'], /loopback development only/],
    [['--server', 'https://s', '--ca-fingerprint', 'sha256:12'], /--ca-fingerprint: "sha256:12" is not a SHA-256 fingerprint/],
    [['--server', 'https://s', '--ca-file', 'ca.pem', '--ca-fingerprint', `sha256:${'a'.repeat(64)}`], /give one of them/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parse(argv as string[])).toThrow(ConfigError);
    expect(() => parse(argv as string[])).toThrow(message);
  });

  it('takes plain http only on the loopback with --insecure-http, and a CA file or fingerprint for https', () => {
    expect(parse(['--server', 'http://127.0.0.1:8080', '--insecure-http']).insecureHttp).toBe(true);
    expect(parse([], { CORRAL_SERVER: 'http://127.0.0.1:8080', CORRAL_INSECURE_HTTP: 'true' }).insecureHttp).toBe(true);
    expect(parse(['--server', 'https://s', '--ca-file', 'ca.pem']).caFile).toBe('ca.pem');
    expect(parse(['--server', 'https://s', '--ca-fingerprint', 'AB'.repeat(32)]).caFingerprint).toBe(`sha256:${'ab'.repeat(32)}`);
  });

  it('names the flag for a bad environment variable too', () => {
    expect(() => parse([], { CORRAL_SERVER: 'https://s', CORRAL_ADDRESS: 'x' })).toThrow(/--address/);
  });

  it('asks for help', () => {
    expect(() => parse(['--help'])).toThrow(HelpRequested);
  });
});

describe('parseDuration', () => {
  it('reads units and bare seconds', () => {
    expect(['5s', '500ms', '1m', '1.5s', '3', '1h'].map(parseDuration)).toEqual([5000, 500, 60000, 1500, 3000, 3600000]);
    expect(parseDuration('5 s')).toBeNull();
    expect(parseDuration('-1s')).toBeNull();
  });
});

describe('parseLabels', () => {
  it('rejects invalid keys and values and duplicates', () => {
    expect(() => parseLabels('-a=b')).toThrow(/label key/);
    expect(() => parseLabels('a=b c')).toThrow(/label value/);
    expect(() => parseLabels('a=1,a=2')).toThrow(/duplicate key/);
    expect(parseLabels('empty=')).toEqual({ empty: '' });
  });
});

describe('--labels follows the one label rule (libs/domain, which the server and the CLI use)', () => {
  const keys = fc.oneof(
    fc.stringMatching(/^[-a-zA-Z0-9_./]{0,80}$/),
    fc.constantFrom('example.com/tier', 'a/b/c', 'example.com/a/b', '/x', 'x/', 'kubernetes.io/os', `${'a'.repeat(63)}.com/z`),
  );
  it('accepts and refuses the same keys as validateLabelKey', () => {
    fc.assert(
      fc.property(keys, (key) => {
        let agent: boolean;
        try {
          agent = Object.keys(parseLabels(`${key}=v`)).length === 1;
        } catch {
          agent = false;
        }
        return agent === (validateLabelKey(key) === null);
      }),
    );
  });
  it('splits a key on its first slash: the prefix, a DNS subdomain, has none', () => {
    expect(() => parseLabels('example.com/a/b=v')).toThrow(/--labels/);
    expect(validateLabelKey('example.com/a/b')).not.toBeNull();
  });
});
