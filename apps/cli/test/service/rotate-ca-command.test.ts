import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, ServerProcess, startServerProcess } from '@corral/testing';
import { inProcessCli } from '../support/in-process-cli';

jest.setTimeout(120_000);

/** `corral env rotate-ca` in-process against a real server process (an environment whose one host runs nothing). */
describe('corral env rotate-ca', () => {
  let server: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-cli-rotate-ca-'));
    server = await startServerProcess();
    expect((await server.request('POST', '/v1/environments', { name: 'rot', etcd: { members: 1 } })).status).toBe(201);
    const token = (await server.request('POST', '/v1/environments/rot/registration-tokens', {})).body.token;
    const registered = await fetch(`${server.url}/v1/agent/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, hostname: 'cp-1', addresses: ['10.0.0.1'] }) });
    expect(registered.status).toBe(201);
    // the placement issues the environment's PKI though the host runs nothing
    await eventually(async () => (await server.request('GET', '/v1/environments/rot/certificates')).status === 200, { timeoutMs: 30_000, what: 'the PKI' });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const corral = (...argv: string[]) => inProcessCli(() => server, dir)(...argv);

  it('starts a rotation, refuses a second (exit 1, 409), shows it, and cancels it in trust-both', async () => {
    expect((await corral('env', 'rotate-ca', 'rot', '--status')).code).toBe(1);
    const started = await corral('-o', 'table', 'env', 'rotate-ca', 'rot');
    expect(started).toMatchObject({ code: 0, err: '' });
    expect(started.out).toMatch(/rotating the cluster CA of rot: phase trust-both/);
    const again = await corral('env', 'rotate-ca', 'rot');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/rotating its cluster CA already \(phase trust-both/);
    // the host runs nothing, so trust-both never settles: the rotation waits in it
    const status = await corral('-o', 'table', 'env', 'rotate-ca', 'rot', '--status');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/Phase:\s+trust-both \(0\/\d+ components on it\)/);
    expect(status.out).toMatch(/trust-both\s+\S+\s+-\s+-/);
    await eventually(async () => {
      const env = (await server.request('GET', '/v1/environments/rot')).body;
      return env.conditions.some((c: { type: string; status: string; reason: string }) => c.type === 'CARotation' && c.status === 'True' && c.reason === 'TrustBoth');
    }, { timeoutMs: 20_000, what: 'condition CARotation True, TrustBoth' });
    const cancelled = await corral('-o', 'json', 'env', 'rotate-ca', 'rot', '--cancel');
    expect(cancelled.code).toBe(0);
    expect(JSON.parse(cancelled.out)).toMatchObject({ phase: 'cancelled', active: false, phases: [expect.objectContaining({ phase: 'trust-both', seconds: expect.any(Number) })] });
    expect((await corral('env', 'rotate-ca', 'rot', '--cancel')).code).toBe(1);
    expect((await corral('env', 'rotate-ca', 'rot', '--wait', '--status')).code).toBe(3);
  });
});
