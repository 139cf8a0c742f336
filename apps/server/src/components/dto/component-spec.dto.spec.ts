import 'reflect-metadata';
import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { isComponentName, isProbeType, PROBE_TYPES, teardownCommandProblem } from '@corral/contracts';
import { ComponentSpecDto } from './component-spec.dto';


const accepts = (body: object) => validateSync(plainToInstance(ComponentSpecDto, body), { whitelist: true, forbidNonWhitelisted: true }).length === 0;
const spec = (over: object) => ({ name: 'etcd', kind: 'etcd', binary: 'etcd', args: [], files: [], ports: [], ...over });
const probe = (type: unknown) => spec({ probe: { type, port: 2379, command: ['true'], intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 } });
const teardown = (executable: string) => spec({ teardown: [{ when: 'after-stop', command: [executable, '-c', 'true'], timeoutSeconds: 5 }] });
/** executables around the teardown rule's edges */
const teardownExecutables = fc.oneof(
  fc.constantFrom('/bin/sh', '/usr/bin/sh', '/usr/sbin/iptables', '/sbin/ip6tables', '/tmp/sh', '/bin/bash', '/bin/../tmp/sh', '/usr/local/bin/sh', '${binDir}/kube-proxy', '${binDir}/../sh', 'kube-proxy', './x', '/', 'sh'),
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 20 }).map((s) => `/bin/${s}`),
);
const names = fc.oneof(fc.stringMatching(/^[-a-z0-9.A-Z_/]{0,70}$/), fc.constantFrom('a.b', 'x'.repeat(63), 'x'.repeat(64), '-a', 'a-', 'kube-apiserver'));

describe('the server takes exactly the component names and probe types of the shared rule (as the agent does)', () => {
  it('component names', () => {
    expect(accepts(spec({}))).toBe(true);
    fc.assert(fc.property(names, (name) => accepts(spec({ name })) === isComponentName(name)));
  });
  it('probe types', () => {
    for (const type of [...PROBE_TYPES, 'grpc', '', 'HTTP']) expect(accepts(probe(type))).toBe(isProbeType(type));
  });
  it('teardown commands', () => {
    fc.assert(fc.property(teardownExecutables, (executable) => accepts(teardown(executable)) === (teardownCommandProblem([executable, '-c', 'true']) === null)));
  });
  // a shell step would run whatever script the sender chose (issue 12): refused wherever the shell is
  it('refuses a shell or system tool as a teardown step, accepts corral-teardown from --bin-dir', () => {
    for (const executable of ['/bin/sh', '/usr/bin/sh', 'sh', '/usr/sbin/iptables', '/sbin/ip']) expect([executable, accepts(teardown(executable))]).toEqual([executable, executable === 'sh']);
    expect(accepts(spec({ teardown: [{ when: 'before-stop', command: ['${binDir}/corral-teardown', 'containers', '--address', '${dataDir}/containerd.sock'], timeoutSeconds: 60 }] }))).toBe(true);
  });
});
