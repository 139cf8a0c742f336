import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CorralClient } from './corral-client';

describe('CorralClient retries', () => {
  let server: Server;
  let answers: Array<{ status: number; headers?: Record<string, string>; body: unknown }>;
  let seen: number[];

  beforeEach(async () => {
    seen = [];
    server = createServer((req, res) => {
      seen.push(Date.now());
      const next = answers.shift()!;
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(JSON.stringify(next.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  const client = () => new CorralClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'crl_ak_x', caFile: null });

  it('waits Retry-After on a 429 and tries a retryable request again', async () => {
    answers = [
      { status: 429, headers: { 'retry-after': '1' }, body: { statusCode: 429, error: 'Too Many Requests', message: 'over the limit' } },
      { status: 200, body: { items: [] } },
    ];
    expect(await client().listPools()).toEqual({ items: [] });
    expect(seen).toHaveLength(2);
    expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(950);
  });

  it('does not repeat a request that may not be sent twice', async () => {
    answers = [{ status: 429, headers: { 'retry-after': '1' }, body: { statusCode: 429, error: 'Too Many Requests', message: 'over the limit' } }];
    await expect(client().createToken({ pool: 'p' }, {})).rejects.toThrow('over the limit');
    expect(seen).toHaveLength(1);
  });
});
