import type { DesiredState } from '@corral/contracts';
import { ServerProcess, startServerProcess } from '@corral/testing';

jest.setTimeout(120_000);

describe('long-polls across two server processes (Redis pub/sub)', () => {
  let a: ServerProcess;
  let b: ServerProcess;

  afterAll(async () => {
    await b?.stop({ keepData: true });
    await a?.stop();
  });

  it('a change written through process A wakes a poll waiting on process B at once', async () => {
    a = await startServerProcess();
    b = await startServerProcess(a.deployment);
    const token = (await a.request('POST', '/v1/pools/replicas/registration-tokens', {})).body.token;
    const reg = await fetch(`${a.url}/v1/agent/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, hostname: 'replica-host', addresses: ['127.0.0.9'] }),
    }).then((r) => r.json() as Promise<{ hostId: string; credential: string }>);
    const poll = (after: number, wait: number) =>
      fetch(`${b.url}/v1/agent/desired?after=${after}&wait=${wait}`, { headers: { authorization: `Bearer ${reg.credential}` } }).then((r) => r.json() as Promise<DesiredState>);

    const first = await poll(0, 0);
    const started = Date.now();
    const waiting = poll(first.revision, 30);
    await new Promise((r) => setTimeout(r, 500));
    const spec = { name: 'sleeper', kind: 'test', binary: 'sleep', args: ['600'], files: [], ports: [] };
    expect((await a.request('PUT', `/v1/hosts/${reg.hostId}/components`, { components: [spec] })).status).toBe(200);
    const woke = await waiting;
    const waited = Date.now() - started;
    expect(woke.revision).toBe(first.revision + 1);
    expect(woke.components.map((c: { name: string }) => c.name)).toEqual(['sleeper']);
    expect(waited).toBeGreaterThanOrEqual(500);
    expect(waited).toBeLessThan(5000); // far below the 30 s wait: woken, not timed out
  });
});
