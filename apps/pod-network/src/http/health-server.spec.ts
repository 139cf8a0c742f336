import type { AddressInfo } from 'node:net';
import type { HealthStatus } from '../health/sync-health';
import { closeServer, createHealthServer, listen } from './health-server';

describe('health server', () => {
  let status: HealthStatus = { healthy: true, reason: 'ok' };
  const server = createHealthServer({ status: () => status });
  let base: string;

  beforeAll(async () => {
    await listen(server, '127.0.0.1', 0);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => closeServer(server));

  it('answers 200 ok, or 500 with the reason', async () => {
    let res = await fetch(`${base}/healthz`);
    expect([res.status, await res.text()]).toEqual([200, 'ok\n']);
    status = { healthy: false, reason: 'last sync failed: `ip route replace` exited 2' };
    res = await fetch(`${base}/healthz`);
    expect([res.status, await res.text()]).toEqual([500, 'last sync failed: `ip route replace` exited 2\n']);
  });

  it('knows only /healthz, and only GET and HEAD', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/healthz`, { method: 'HEAD' })).status).toBe(500);
  });

  it('names the listener when the port is taken', async () => {
    const port = (server.address() as AddressInfo).port;
    await expect(listen(createHealthServer({ status: () => status }), '127.0.0.1', port)).rejects.toThrow(`healthz listener on 127.0.0.1:${port}: EADDRINUSE`);
  });
});
