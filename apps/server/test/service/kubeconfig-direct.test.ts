import { X509Certificate } from 'node:crypto';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, startTestServer } from '../support/test-server';

const HOUR_MS = 3600_000;

/** `?endpoint=direct` kubeconfigs carry a client certificate of their own, short-lived by default (it cannot be revoked). */
describe('direct kubeconfig certificates', () => {
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    server = await startTestServer();
    admin = apiClient(server.url, server.adminKey);
    expect((await admin.post('/v1/environments', { name: 'direct', etcd: { members: 1 } })).status).toBe(201);
    // a host that never runs anything: provisioning still places the control plane and issues its PKI
    const token = (await admin.post('/v1/environments/direct/registration-tokens', {})).body.token;
    expect((await apiClient(server.url).post('/v1/agent/register', { token, hostname: 'cp-1', addresses: ['10.0.0.1'] })).status).toBe(201);
    await eventually(async () => (await admin.get('/v1/environments/direct/kubeconfig?endpoint=direct')).status === 200, { timeoutMs: 30_000, what: 'a kube-apiserver placed' });
  }, 60_000);
  afterAll(() => server?.close());

  const certificateOf = (kubeconfig: string) => new X509Certificate(Buffer.from(/client-certificate-data: (\S+)/.exec(kubeconfig)![1], 'base64'));

  it('is valid 24 h by default, `ttl` long when asked, and new on every download', async () => {
    const first = certificateOf((await admin.get('/v1/environments/direct/kubeconfig?endpoint=direct')).body);
    const lifetime = Date.parse(first.validTo) - Date.now();
    expect(lifetime).toBeGreaterThan(24 * HOUR_MS - 5 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(24 * HOUR_MS);
    expect(first.subject).toContain('CN=kubernetes-admin');

    const twoHours = certificateOf((await admin.get('/v1/environments/direct/kubeconfig?endpoint=direct&ttl=2h')).body);
    expect(Date.parse(twoHours.validTo) - Date.now()).toBeLessThanOrEqual(2 * HOUR_MS);
    expect(Date.parse(twoHours.validTo) - Date.now()).toBeGreaterThan(2 * HOUR_MS - 5 * 60_000);
    expect(twoHours.serialNumber).not.toBe(first.serialNumber);

    // signed by the environment's cluster CA, which the kubeconfig also carries
    const kubeconfig = (await admin.get('/v1/environments/direct/kubeconfig?endpoint=direct')).body as string;
    const ca = new X509Certificate(Buffer.from(/certificate-authority-data: (\S+)/.exec(kubeconfig)![1], 'base64'));
    expect(certificateOf(kubeconfig).verify(ca.publicKey)).toBe(true);
  });

  it('refuses a lifetime out of range, naming ttl', async () => {
    for (const ttl of ['30s', '366d', 'soon']) {
      const res = await admin.get(`/v1/environments/direct/kubeconfig?endpoint=direct&ttl=${ttl}`);
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('ttl');
    }
  });
});
