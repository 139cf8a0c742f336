import { X509Certificate } from 'node:crypto';
import { apiClient, createActiveEnvironment, eventually, httpsStatus, parseDirectKubeconfig, startServerProcess, type DirectKubeconfig, type ServerProcess } from '@corral/testing';
import { startLoopbackAgents } from '@corral/test-hosts';

jest.setTimeout(300_000);

/** GET /api/v1/namespaces with a kubeconfig's CA and client certificate: the HTTP status, or the TLS error's code. */
const kubeGet = (kc: DirectKubeconfig, server = kc.server) => httpsStatus(new URL('/api/v1/namespaces', server), kc, 5000);

const pemCount = (bundle: string) => (bundle.match(/BEGIN CERTIFICATE/g) ?? []).length;
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

describe('rotating the cluster CA on the stand-ins (issue 12)', () => {
  let server: ServerProcess;
  let agents: ReturnType<typeof startLoopbackAgents>;
  const ENV = 'rotca';
  const rotation = async () => (await server.request('GET', `/v1/environments/${ENV}/ca-rotation`)).body;
  const direct = async () => {
    const res = await server.request('GET', `/v1/environments/${ENV}/kubeconfig?endpoint=direct&ttl=1h`);
    expect(res.status).toBe(200);
    return parseDirectKubeconfig(res.body as string);
  };

  beforeAll(async () => {
    server = await startServerProcess();
    await createActiveEnvironment(apiClient(server.url, server.adminKey), {
      name: ENV,
      hosts: 2,
      startAgents: (token) => (agents = startLoopbackAgents(2, { server: server.url, token })),
    });
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.stop();
  });

  it('goes trust-both → reissue → drop-old one phase at a time, resumes after a server crash, and refuses the old CA at the end', async () => {
    const before = await direct();
    expect(pemCount(before.ca)).toBe(1);
    expect(await kubeGet(before)).toBe(200);
    expect((await server.request('GET', `/v1/environments/${ENV}/ca-rotation`)).status).toBe(404);
    expect((await server.request('POST', `/v1/environments/${ENV}/ca-rotation`, { ca: 'etcd' })).status).toBe(400);

    // start, a second start is refused, cancel in trust-both, start again
    const started = await server.request('POST', `/v1/environments/${ENV}/ca-rotation`, {});
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ phase: 'trust-both', active: true, ca: 'cluster' });
    const again = await server.request('POST', `/v1/environments/${ENV}/ca-rotation`, {});
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/rotating its cluster CA already/);
    const cancelled = await server.request('DELETE', `/v1/environments/${ENV}/ca-rotation`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ phase: 'cancelled', active: false });
    // back on the old CA alone: every component healthy, the condition says cancelled
    await eventually(async () => {
      const env = (await server.request('GET', `/v1/environments/${ENV}`)).body;
      return env.state === 'active' && env.conditions.some((c: any) => c.type === 'CARotation' && c.reason === 'Cancelled') && env.conditions.some((c: any) => c.type === 'UpToDate' && c.status === 'True');
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'cancelled and settled on the old CA' });
    expect(pemCount((await direct()).ca)).toBe(1);
    await eventually(async () => (await kubeGet(before)) === 200, { timeoutMs: 30_000, what: 'the old kubeconfig answered after the cancel' });

    expect((await server.request('POST', `/v1/environments/${ENV}/ca-rotation`, {})).status).toBe(202);
    const seen = new Set<string>();
    let duringTrustBoth: DirectKubeconfig | undefined;
    // the certificate from before the rotation is accepted until drop-old (an apiserver restarting may refuse the connection)
    const beforeAnswers: Array<number | string> = [];
    await eventually(async () => {
      const r = await rotation();
      seen.add(r.phase);
      if (r.phase === 'trust-both' && !duringTrustBoth) {
        duringTrustBoth = await direct();
        expect(pemCount(duringTrustBoth.ca)).toBe(2);
        // signed by the old CA still
        expect(new X509Certificate(duringTrustBoth.cert).checkIssued(new X509Certificate(before.ca))).toBe(true);
      }
      if (duringTrustBoth) {
        const answer = await kubeGet({ ...before, ca: duringTrustBoth.ca });
        if ((await rotation()).phase !== 'drop-old') beforeAnswers.push(answer);
      }
      return r.phase === 'reissue' ? r : null;
    }, { timeoutMs: 120_000, intervalMs: 300, what: 'phase reissue' });
    expect(beforeAnswers).toContain(200);
    expect(beforeAnswers).not.toContain(401);
    const duringReissue = await direct();
    expect(pemCount(duringReissue.ca)).toBe(2);
    expect(new X509Certificate(duringReissue.cert).checkIssued(new X509Certificate(before.ca))).toBe(false);

    // a crash in the middle of the rotation: the restarted server carries on from the database
    await server.kill('SIGKILL');
    await server.restart();
    const done = await eventually(async () => {
      const r = await rotation();
      seen.add(r.phase);
      return r.phase === 'completed' ? r : null;
    }, { timeoutMs: 180_000, intervalMs: 300, what: 'rotation completed' });
    expect([...seen]).toEqual(expect.arrayContaining(['trust-both', 'reissue']));
    expect(done.phases.map((p: any) => p.phase)).toEqual(['trust-both', 'reissue', 'drop-old']);
    for (const p of done.phases) expect(p.seconds).toBeGreaterThan(0);
    console.log(`CA rotation on the stand-ins (2 hosts): ${done.phases.map((p: any) => `${p.phase} ${p.seconds}s`).join(', ')}`);

    // the reconcile that completed the rotation writes the environment's status after the rotation's row
    await eventually(async () => {
      const env = (await server.request('GET', `/v1/environments/${ENV}`)).body;
      return env.state === 'active' && env.conditions.some((c: any) => c.type === 'CARotation' && c.status === 'False' && c.reason === 'Completed');
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'active with CARotation False, Completed' });
    const reasons = ((await server.request('GET', `/v1/environments/${ENV}/events?limit=500`)).body.items as Array<{ reason: string }>).map((e) => e.reason);
    expect(reasons.filter((r) => r === 'CARotationPhaseCompleted')).toHaveLength(3);
    expect(reasons.filter((r) => r === 'CARotationPhaseStarted')).toHaveLength(2);
    expect(reasons).toContain('CARotationCompleted');

    // after: the old CA's client certificates are refused; a kubeconfig fetched now or during reissue works
    const after = await direct();
    expect(pemCount(after.ca)).toBe(1);
    expect(fingerprint(after.ca)).not.toBe(fingerprint(before.ca));
    expect(await kubeGet(after)).toBe(200);
    expect(await kubeGet(duringReissue)).toBe(200);
    // the old certificate, trusting the new serving certificate, is refused by the apiserver
    expect(await kubeGet({ ...before, ca: after.ca })).toBe(401);
    expect(await kubeGet({ ...duringTrustBoth!, ca: after.ca })).toBe(401);
    // and the old CA alone no longer verifies the apiserver
    expect(typeof (await kubeGet(before))).toBe('string');

    // one rotation at a time, and another may start once this one is done
    expect((await server.request('POST', `/v1/environments/${ENV}/ca-rotation`, {})).status).toBe(202);
    expect((await server.request('DELETE', `/v1/environments/${ENV}/ca-rotation`)).status).toBe(200);
  });
});
