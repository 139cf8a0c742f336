import { apiClient } from '@corral/testing';
import { TestServer, startTestServer } from '../support/test-server';

/**
 * The server refuses, field by field, a component spec the agent would refuse: an agent refuses a
 * whole desired state for one bad component, so a spec the server stored would stop every update
 * to that host.
 */
describe('component spec rules (server side)', () => {
  let server: TestServer;
  let hostId: string;
  let admin: ReturnType<typeof apiClient>;

  const component = (over: Record<string, unknown> = {}) => ({
    name: 'probe-me',
    kind: 'etcd',
    binary: 'etcd',
    args: [],
    files: [],
    ports: [2379],
    probe: { type: 'exec', command: ['${binDir}/etcdctl', 'endpoint', 'health'], intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 },
    env: { ETCD_UNSUPPORTED_ARCH: 'arm64' },
    ...over,
  });

  beforeAll(async () => {
    server = await startTestServer();
    admin = apiClient(server.url, server.adminKey);
    const token = (await admin.post('/v1/pools/rules/registration-tokens', {})).body.token;
    hostId = (await apiClient(server.url).post('/v1/agent/register', { token, hostname: 'rules-host', addresses: ['127.0.0.2'] })).body.hostId;
  });
  afterAll(() => server?.close());

  const revision = async () => (await server.sql<{ desired_revision: number }>('SELECT desired_revision FROM hosts WHERE id = $1', [hostId]))[0].desired_revision;

  it('accepts an exec probe from the bin dir, string env values and teardown steps the real specs use', async () => {
    const teardown = [
      { when: 'before-stop', command: ['${binDir}/corral-teardown', 'containers', '--address', '${dataDir}/containerd.sock'], timeoutSeconds: 5 },
      { when: 'after-stop', command: ['${binDir}/kube-proxy', '--cleanup'], timeoutSeconds: 5 },
      { when: 'after-stop', command: ['corral-coredns', '--cleanup=169.254.20.10'], timeoutSeconds: 5 },
    ];
    const res = await admin.put(`/v1/hosts/${hostId}/components`, { components: [component({ teardown })] });
    expect(res.status).toBe(200);
    expect(res.body.added).toEqual(['probe-me']);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['an exec probe running /bin/sh', { probe: { type: 'exec', command: ['/bin/sh', '-c', 'id'], intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 } }, 'components.0.probe.command', /--bin-dir/],
    ['an exec probe climbing out of ${binDir}', { probe: { type: 'exec', command: ['${binDir}/../../bin/sh'], intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 } }, 'components.0.probe.command', /--bin-dir/],
    ['an exec probe without a command', { probe: { type: 'exec', intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 } }, 'components.0.probe.command', /./],
    ['an http probe without a port', { probe: { type: 'http', intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 } }, 'components.0.probe.port', /./],
    ['a teardown step running a binary outside --bin-dir', { teardown: [{ when: 'after-stop', command: ['/tmp/evil', '--now'], timeoutSeconds: 5 }] }, 'components.0.teardown.0.command', /executable "\/tmp\/evil" must be a file name in the agent's --bin-dir/],
    // no shell, whatever directory it is in: the server would choose the script (issue 12)
    ['a teardown step running /bin/sh -c', { teardown: [{ when: 'before-stop', command: ['/bin/sh', '-c', 'true'], timeoutSeconds: 5 }] }, 'components.0.teardown.0.command', /^command executable "\/bin\/sh" must be a file name in the agent's --bin-dir \(a plain name or \$\{binDir\}\/<name>\)$/],
    ['a second teardown step running a system tool', { teardown: [{ when: 'before-stop', command: ['corral-teardown', 'kubelet-chains'], timeoutSeconds: 5 }, { when: 'after-stop', command: ['/usr/sbin/iptables', '-F'], timeoutSeconds: 5 }] }, 'components.0.teardown.1.command', /executable "\/usr\/sbin\/iptables" must be a file name in the agent's --bin-dir/],
    ['LD_PRELOAD', { env: { LD_PRELOAD: '/tmp/evil.so' } }, 'components.0.env', /LD_PRELOAD may not be set/],
    ['LD_LIBRARY_PATH', { env: { LD_LIBRARY_PATH: '/tmp' } }, 'components.0.env', /LD_LIBRARY_PATH may not be set/],
    ['PATH', { env: { PATH: '/tmp' } }, 'components.0.env', /PATH may not be set/],
    ['an env value that is a number', { env: { GOMAXPROCS: 2 } }, 'components.0.env', /GOMAXPROCS must be a string, got number/],
    ['an env value that is an object', { env: { A: { b: 1 } } }, 'components.0.env', /A must be a string, got object/],
    ['PATH in an init step', { init: [{ name: 'prep', binary: 'etcdutl', args: [], output: 'x', env: { PATH: '/tmp' } }] }, 'components.0.init.0.env', /PATH may not be set/],
  ])('refuses %s with a 400 naming the field, storing nothing', async (_what, over, field, message) => {
    const before = await revision();
    const res = await admin.put(`/v1/hosts/${hostId}/components`, { components: [component(over)] });
    expect(res.status).toBe(400);
    const detail = res.body.details.find((d: { field: string }) => d.field === field);
    expect(detail).toBeDefined();
    expect(detail.message).toMatch(message);
    expect(await revision()).toBe(before);
  });
});
