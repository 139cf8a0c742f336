import fc from 'fast-check';
import { envProblem, probeCommandProblem, REFUSED_ENV_NAMES, teardownCommandProblem } from './spec-rules';

describe('envProblem', () => {
  it('accepts names mapped to strings', () => {
    expect(envProblem({})).toBeNull();
    expect(envProblem({ GODEBUG: 'x509sha1=1', _A1: '' })).toBeNull();
  });

  it.each(REFUSED_ENV_NAMES)('refuses %s', (name) => {
    expect(envProblem({ OK: '1', [name]: '/tmp/evil' })).toMatch(new RegExp(`${name} may not be set`));
  });

  it('refuses values that are not strings, naming the variable', () => {
    expect(envProblem({ A: 1 })).toBe('A must be a string, got number');
    expect(envProblem({ A: null })).toBe('A must be a string, got null');
    expect(envProblem({ A: { b: 'c' } })).toBe('A must be a string, got object');
  });

  it('refuses malformed names and non-objects', () => {
    expect(envProblem({ 'A=B': 'x' })).toMatch(/not a valid environment variable name/);
    expect(envProblem({ '': 'x' })).toMatch(/not a valid/);
    expect(envProblem(['A'])).toMatch(/must be an object/);
    expect(envProblem('A=B')).toMatch(/must be an object/);
  });

  it('never accepts a map holding a refused name or a non-string value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean())), fc.constantFrom(...REFUSED_ENV_NAMES), (env, refused) => {
        expect(envProblem({ ...env, [refused]: 'x' })).not.toBeNull();
        const ok = envProblem(env) === null;
        if (ok) expect(Object.values(env).every((v) => typeof v === 'string')).toBe(true);
      }),
    );
  });
});

describe('probeCommandProblem', () => {
  it('accepts a plain name or ${binDir}/name', () => {
    expect(probeCommandProblem(['etcdctl', 'endpoint', 'health'])).toBeNull();
    expect(probeCommandProblem(['${binDir}/ctr', 'version'])).toBeNull();
  });

  it.each([['/bin/sh', '-c', 'true'], ['${binDir}/../../bin/sh'], ['${binDir}/sub/x'], ['./x'], ['..'], ['${dataDir}/x'], ['x/y']])('refuses %j', (...command) => {
    expect(probeCommandProblem(command)).toMatch(/must be a file name in the agent's --bin-dir/);
  });

  it('refuses an empty or non-string command', () => {
    expect(probeCommandProblem([])).toMatch(/non-empty/);
    expect(probeCommandProblem([1])).toMatch(/non-empty/);
    expect(probeCommandProblem(undefined)).toMatch(/non-empty/);
  });

  it('never accepts an executable with a slash outside the ${binDir}/ prefix', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        if (probeCommandProblem([s]) === null) {
          const name = s.startsWith('${binDir}/') ? s.slice('${binDir}/'.length) : s;
          expect(name.includes('/')).toBe(false);
          expect(['.', '..', ''].includes(name)).toBe(false);
        }
      }),
    );
  });
});

describe('teardownCommandProblem', () => {
  it('accepts a --bin-dir name: the catalog\'s steps', () => {
    expect(teardownCommandProblem(['${binDir}/kube-proxy', '--cleanup'])).toBeNull();
    expect(teardownCommandProblem(['corral-coredns', '--cleanup=169.254.20.10'])).toBeNull();
    expect(teardownCommandProblem(['${binDir}/corral-teardown', 'containers', '--address', '${dataDir}/containerd.sock'])).toBeNull();
    expect(teardownCommandProblem(['${binDir}/corral-teardown', 'kubelet-chains'])).toBeNull();
  });

  it.each([
    ['/bin/sh', '-c', 'iptables -S'],
    ['/usr/bin/sh', '-c', 'true'],
    ['/usr/sbin/iptables', '-t', 'nat', '-F', 'KUBE-X'],
    ['/sbin/ip', 'link', 'del', 'cni0'],
    ['/tmp/sh'],
    ['/bin/bash', '-c', 'x'],
    ['/usr/local/bin/sh'],
    ['/bin/../tmp/sh'],
    ['/var/lib/corral/bin/corral-teardown'],
    ['/'],
    ['${binDir}/../../bin/sh'],
    ['${binDir}/sub/corral-teardown'],
    ['./sh'],
    ['${dataDir}/x'],
  ])('refuses %j: no shell, no system tool, nothing outside --bin-dir', (...command) => {
    expect(teardownCommandProblem(command)).toMatch(/^executable .* must be a file name in the agent's --bin-dir \(a plain name or \$\{binDir\}\/<name>\)$/);
  });

  it('refuses an empty or non-string command', () => {
    expect(teardownCommandProblem([])).toMatch(/non-empty/);
    expect(teardownCommandProblem(['corral-teardown', 1])).toMatch(/non-empty/);
    expect(teardownCommandProblem(null)).toMatch(/non-empty/);
  });

  it('refuses every absolute path', () => {
    fc.assert(fc.property(fc.string().map((s) => `/${s}`), fc.array(fc.string()), (path, args) => teardownCommandProblem([path, ...args]) !== null));
  });

  it('takes exactly the exec probe\'s verdict', () => {
    const executables = fc.oneof(fc.string(), fc.string().map((s) => `\${binDir}/${s}`), fc.string().map((s) => `/${s}`), fc.constantFrom('sh', '/bin/sh', 'corral-teardown', '${binDir}/corral-teardown', '..', '${binDir}/..'));
    fc.assert(fc.property(executables, fc.array(fc.string()), (executable, args) => (teardownCommandProblem([executable, ...args]) === null) === (probeCommandProblem([executable, ...args]) === null)));
  });
});
