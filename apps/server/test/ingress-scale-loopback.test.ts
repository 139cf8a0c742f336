import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';
import { processesUnder, startLocalAgents } from './support/local-agents';
import { runKubectl } from './support/kubectl';

jest.setTimeout(240_000);

/**
 * corral.dev/scale seen from the server (Kubernetes stand-ins, loopback hosts): the largest scale
 * of the environment's Ingresses is how many ingress controllers (one HAProxy each) it places on
 * distinct hosts, capped by the hosts; invalid values are named in the IngressScale condition and
 * an event, and served as 1.
 */
describe('corral.dev/scale places as many ingress controllers as the Ingresses ask for', () => {
  let server: TestServer;
  let agents: ReturnType<typeof startLocalAgents>;
  let admin: ReturnType<typeof apiClient>;
  let kubectl: (...args: string[]) => Promise<string>;

  const controllerHosts = async () => (await server.sql<{ host_id: string }>(`SELECT host_id FROM components WHERE kind = 'ingress-controller' ORDER BY host_id`)).map((r) => r.host_id);
  const scaleCondition = async () => ((await admin.get('/v1/environments/scaled')).body.conditions as Array<{ type: string; status: string; reason: string; message: string }>).find((c) => c.type === 'IngressScale');
  const annotate = (name: string, scale: string) => kubectl('annotate', 'ingress', name, '--overwrite', `corral.dev/scale=${scale}`);
  // a reconcile writes the placement before the conditions: wait for both, the condition's message too
  const settles = (count: number, reason: string, message = reason === 'Applied' ? `${count} load balancer instance(s)` : `${count} instance(s) placed`) =>
    eventually(async () => {
      const condition = await scaleCondition();
      return (await controllerHosts()).length === count && condition?.reason === reason && condition.message.includes(message);
    }, { timeoutMs: 60_000, intervalMs: 500, what: `${count} ingress controller(s), IngressScale ${reason}: ${message}` });

  beforeAll(async () => {
    server = await startTestServer(isolatedConfig({}));
    admin = apiClient(server.url, server.adminKey);
  });
  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.close();
  });

  it('follows the largest scale, caps it at the hosts, names invalid values', async () => {
    expect((await admin.post('/v1/environments', { name: 'scaled', etcd: { members: 1 } })).status).toBe(201);
    const token = (await admin.post('/v1/environments/scaled/registration-tokens', { maxUses: 3 })).body.token;
    agents = startLocalAgents(3, { server: server.url, token });
    await eventually(async () => (await admin.get('/v1/environments/scaled')).body.state === 'active', { timeoutMs: 120_000, intervalMs: 500, what: 'environment active' });
    const kcFile = join(agents.root, 'scaled.kubeconfig');
    writeFileSync(kcFile, (await admin.get('/v1/environments/scaled/kubeconfig')).body, { mode: 0o600 });
    // the proxy answers 503 "retry in a few seconds" while no kube-apiserver answers its probe
    // (a stand-in stalled on a busy machine): kubectl's request never reached one, so retry it
    kubectl = async (...args: string[]) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await runKubectl(kcFile, args);
        } catch (err) {
          if (attempt >= 5 || !/ServiceUnavailable/.test(String((err as { stderr?: string }).stderr ?? (err as Error).message))) throw err;
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
    };
    expect(await controllerHosts()).toHaveLength(1);

    // kubectl create ingress speaks protobuf, which the stand-in apiserver does not; apply sends JSON
    const ingress = (name: string, cls: string) => `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"${name}"},"spec":{"ingressClassName":"${cls}","rules":[{"host":"${name}.example","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}`;
    writeFileSync(join(agents.root, 'ingresses.json'), `{"apiVersion":"v1","kind":"List","items":[${ingress('app', 'corral')},${ingress('other', 'nginx')}]}`);
    await kubectl('create', '--validate=false', '-f', join(agents.root, 'ingresses.json'));
    await annotate('app', '2');
    await settles(2, 'Applied');
    expect((await scaleCondition())?.message).toBe('2 load balancer instance(s): the largest corral.dev/scale is 2 (default/app)');
    // an Ingress of another class does not count
    await annotate('other', '3');
    await annotate('app', '3');
    await settles(3, 'Applied');
    expect(new Set(await controllerHosts()).size).toBe(3);

    await annotate('app', '1000000');
    await settles(3, 'ScaleCapped');
    expect((await scaleCondition())?.message).toContain('default/app asks for 1000000 instances, but only 3 active host(s)');

    await annotate('app', 'abc');
    await settles(1, 'InvalidScale');
    expect((await scaleCondition())?.message).toContain('default/app: corral.dev/scale "abc" is not a whole number; served by 1 instance');
    const events = (await admin.get('/v1/environments/scaled/events')).body.items as Array<{ reason: string; message: string }>;
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'IngressScaleInvalid', message: expect.stringContaining('default/app') })]));
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'ComponentUnplaced', message: expect.stringMatching(/remove ingress-controller on .*: more than requested/) })]));
    expect((await admin.get('/v1/environments/scaled')).body.state).toBe('active');

    await kubectl('delete', 'ingress', 'app');
    await settles(1, 'Applied');
  });

  it('leaves no process of the run behind once its agents are stopped, pod-network included', async () => {
    // the stand-in pod-network's flags name no path of the run: only its working directory ties it to the run
    const podNetworks = processesUnder(agents.root).filter((line) => line.includes('pod-network'));
    expect(podNetworks).toHaveLength(3);
    expect(podNetworks.filter((line) => line.includes(agents.root))).toEqual([]);
    await agents.stopAll();
    agents.cleanup();
    // independent of the teardown's own search: no process on this machine serves one of the run's addresses
    const ofRun = new RegExp(`(^|[^0-9.])(${agents.agents.map((a) => a.address.replace(/\./g, '\\.')).join('|')})([^0-9]|$)`);
    const left = () => execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).split('\n').filter((line) => ofRun.test(line));
    await eventually(async () => left().length === 0, { timeoutMs: 5000, intervalMs: 100, what: 'no process of the run left' }).catch(() => undefined);
    expect(left()).toEqual([]);
  });
});
