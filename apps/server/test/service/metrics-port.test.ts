import { apiClient } from '@corral/testing';
import { TestServer, isolatedConfig, startTestServer } from '../support/test-server';
import { MetricsPort } from '../../src/metrics/metrics-port';

describe('CORRAL_METRICS_PORT', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({ CORRAL_METRICS_PORT: '0' }));
  });
  afterAll(() => server?.close());

  it('serves /metrics without a key on its own port, and only there', async () => {
    const port = server.app.get(MetricsPort).port;
    expect(port).not.toBeNull();
    expect(port).not.toBe(server.app.getHttpServer().address().port);
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    expect(await scrape.text()).toMatch(/corral_queue_jobs\{state="waiting"\}/);
    expect((await fetch(`http://127.0.0.1:${port}/v1/environments`)).status).toBe(404);
    // the API port still wants a key
    expect((await apiClient(server.url).get('/metrics')).status).toBe(401);
  });
});
