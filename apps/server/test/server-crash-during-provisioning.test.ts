import { readFileSync } from 'node:fs';
import { startServerProcess, ServerProcess } from '@corral/testing';
import { startLoopbackAgents } from '@corral/test-hosts';
import { eventually } from './support/test-server';

jest.setTimeout(240_000);

/** Component processes of one agent: their command lines name files in its state dir. */
/** A host's component processes: those naming its state dir, and its pod network (which names only its address). */
function componentProcesses(stateDir: string, address: string): string[] {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => (line.includes(`${stateDir}/components/`) || (line.includes('pod-network') && line.includes(`--bind-address=${address} `))) && !line.includes('dist/apps/agent'))
    // HAProxy is the ingress controller's own child (its load balancer), not a component
    .filter((line) => !/^(\S*\/)?haproxy /.test(line));
}

describe('a server SIGKILLed during provisioning (issue 4)', () => {
  let server: ServerProcess;
  let agents: ReturnType<typeof startLoopbackAgents>;

  afterAll(async () => {
    await agents?.stopAll();
    agents?.cleanup();
    await server?.stop();
  });

  it('still ends active after a restart, with no duplicate component', async () => {
    server = await startServerProcess();
    await server.request('POST', '/v1/environments', { name: 'crash', etcd: { members: 3 } });
    const token = (await server.request('POST', '/v1/environments/crash/registration-tokens', { maxUses: 3 })).body.token;
    agents = startLoopbackAgents(3, { server: server.url, token });

    // kill it as soon as the first desired state went out, in the middle of provisioning
    await eventually(async () => {
      const events = (await server.request('GET', '/v1/environments/crash/events')).body.items as Array<{ reason: string }>;
      return events.some((e) => e.reason === 'DesiredStateChanged');
    }, { timeoutMs: 60_000, intervalMs: 50, what: 'the first desired state' });
    expect((await server.request('GET', '/v1/environments/crash')).body.state).not.toBe('active');
    await server.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    await server.restart();

    await eventually(async () => (await server.request('GET', '/v1/environments/crash')).body.state === 'active', { timeoutMs: 120_000, intervalMs: 250, what: 'active after the restart' });
    const hosts = (await server.request('GET', '/v1/hosts?environment=crash')).body.items as Array<{ id: string; hostname: string }>;
    expect(hosts).toHaveLength(3);
    let total = 0;
    let etcdMembers = 0;
    for (const host of hosts) {
      const view = (await server.request('GET', `/v1/hosts/${host.id}`)).body;
      const names = view.components.map((c: any) => c.name);
      expect(new Set(names).size).toBe(names.length);
      total += names.length;
      etcdMembers += names.filter((n: string) => n === 'etcd').length;
      const agent = agents.agents.find((a) => a.name === host.hostname)!;
      const running = componentProcesses(agent.stateDir, agent.address);
      // one process per desired component on this host, none twice
      expect(running).toHaveLength(names.length);
      expect(readFileSync(agent.logFile, 'utf8')).not.toMatch(/EADDRINUSE/);
    }
    // the bootstrap was written for all three members or none: a crash between hosts once left two
    expect(etcdMembers).toBe(3);
    expect(total).toBe(3 * 9 + 1); // etcd, apiserver, scheduler, controller-manager, containerd, pod-network, kubelet, kube-proxy, cluster-dns on each; one ingress controller
  });
});
