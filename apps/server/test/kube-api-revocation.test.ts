import { request as httpsRequest } from 'node:https';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, startTestServer } from './support/test-server';
import { startLocalAgents } from './support/local-agents';

jest.setTimeout(180_000);

/** Deleting an API key ends the Kubernetes API requests it holds open through the proxy (a watch here) within seconds. */
describe('a deleted key through the Kubernetes API proxy', () => {
  let server: TestServer;
  let agents: ReturnType<typeof startLocalAgents>;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.close();
  });

  it('ends its open watch and refuses its kubeconfig token at once', async () => {
    const admin = apiClient(server.url, server.adminKey);
    expect((await admin.post('/v1/environments', { name: 'revoke', etcd: { members: 1 } })).status).toBe(201);
    const token = (await admin.post('/v1/environments/revoke/registration-tokens', {})).body.token;
    agents = startLocalAgents(1, { server: server.url, token });
    await eventually(async () => (await admin.get('/v1/environments/revoke')).body.state === 'active', { timeoutMs: 120_000, intervalMs: 500, what: 'environment revoke to be active' });

    const doomed = (await admin.post('/v1/api-keys', { name: 'doomed-kube', scopes: ['read'] })).body;
    const kubeconfig = (await apiClient(server.url, doomed.key).get('/v1/environments/revoke/kubeconfig')).body as string;
    const kubeToken = /token: (\S+)/.exec(kubeconfig)![1];
    const url = new URL(`${server.url}/k8s/environments/revoke/api/v1/namespaces/default/configmaps?watch=true`);
    // a watch stays open until the server ends it
    const watch = await new Promise<{ status: number; ended: Promise<number> }>((resolve, reject) => {
      const req = httpsRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { authorization: `Bearer ${kubeToken}` } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, ended: new Promise((done) => res.once('close', () => done(Date.now()))) });
      });
      req.on('error', reject);
      req.end();
    });
    expect(watch.status).toBe(200);
    const stillOpen = await Promise.race([watch.ended.then(() => false), new Promise((r) => setTimeout(() => r(true), 1500))]);
    expect(stillOpen).toBe(true);

    const deletedAt = Date.now();
    expect((await admin.delete(`/v1/api-keys/${doomed.id}`)).status).toBe(204);
    const endedAt = await Promise.race([watch.ended, new Promise<number>((r) => setTimeout(() => r(Number.POSITIVE_INFINITY), 10_000))]);
    expect(endedAt - deletedAt).toBeLessThan(5000);
    const again = await fetch(`${server.url}/k8s/environments/revoke/api/v1/namespaces/default/configmaps`, { headers: { authorization: `Bearer ${kubeToken}` } });
    expect(again.status).toBe(401);
  });
});
