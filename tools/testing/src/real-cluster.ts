import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { composeAgentBinDir, kubeBinDir } from '@corral/kube-build';
import { HostHarness, agentArgv, type HostProcess, type TestHost } from '@corral/test-hosts';
import { apiClient } from './api-client';
import { createActiveEnvironment } from './environments';
import { isolatedInProcessConfig, startInProcessServer, type InProcessServer } from './in-process-server';

const execFileAsync = promisify(execFile);

export interface RealClusterOptions {
  /** the environment's name */
  env: string;
  /**
   * builds Corral's images into the directory given (<workDir>/images), which the server serves
   * to the hosts (CORRAL_IMAGE_DIR): @corral/images' buildCorralImages, passed in (that project's
   * tests use this toolkit)
   */
  images?: (outDir: string) => void;
  /** more server settings; a function when they need the hosts (e.g. an upstream on their bridge) */
  serverEnv?: Record<string, string> | ((harness: HostHarness) => Record<string, string>);
  /** flags every agent gets (e.g. a shorter --heartbeat-interval) */
  agentArgs?: string[];
}

export interface RealCluster {
  harness: HostHarness;
  server: InProcessServer;
  admin: ReturnType<typeof apiClient>;
  /** the agents' --bin-dir: the real Kubernetes binaries (~/.cache/corral/kube-bin) with Corral's own */
  binDir: string;
  /** the environment's kubeconfig (written by createActive) */
  kubeconfigFile: string;
  /** where the images are built (with `images`), else null */
  imageDir: string | null;
  /** every agent started, in order */
  agents: HostProcess[];
  /** kubectl (the bin dir's, or `binary`) on a kubeconfig, asynchronously: the server under test runs in this process */
  kubectlWith(kubeconfig: string, args: string[], options?: { binary?: string; requestTimeout?: string }): Promise<string>;
  /** kubectl on the environment's kubeconfig */
  kubectl(...args: string[]): Promise<string>;
  kubectlJson(...args: string[]): Promise<any>;
  /** the environment's state, its conditions that are not True, and every pod (when the API answers) */
  diagnose(): Promise<string>;
  /** `p`, its failure followed by diagnose() */
  withDiagnosis<T>(p: Promise<T>): Promise<T>;
  /** starts an agent on the host (hostname node-<index+1> unless given) */
  startAgent(host: TestHost, token: string, options?: { hostname?: string }): HostProcess;
  /**
   * Creates the environment (3 etcd members), starts an agent on every host, waits (5 min at most)
   * until it is active and writes its kubeconfig: `proxy` (default, through Corral) or `direct`
   * (the admin certificate, an apiserver's own address).
   */
  createActive(options?: { tokenUses?: number; kubeconfig?: 'proxy' | 'direct'; diagnose?: () => Promise<string> }): Promise<{ token: string; activeAfterMs: number }>;
  /** stops the hosts (and every process on them) and the server */
  stop(): Promise<void>;
}

/**
 * The real tier's topology: three network-namespace hosts that can hold real nodes, the server
 * in this process listening on the hosts' bridge, agents on the real binaries. Suites call
 * createActive in their first test (it measures the time to active).
 */
export async function startRealCluster(options: RealClusterOptions): Promise<RealCluster> {
  const harness = await HostHarness.create({ count: 3, nodes: true });
  let server: InProcessServer | undefined;
  try {
    const binDir = composeAgentBinDir(join(harness.workDir, 'bin'), kubeBinDir());
    const imageEnv: Record<string, string> = {};
    if (options.images) {
      imageEnv.CORRAL_IMAGE_DIR = join(harness.workDir, 'images');
      options.images(imageEnv.CORRAL_IMAGE_DIR);
    }
    const extra = typeof options.serverEnv === 'function' ? options.serverEnv(harness) : (options.serverEnv ?? {});
    server = await startInProcessServer(await isolatedInProcessConfig({ CORRAL_BIND_ADDRESS: '0.0.0.0', ...imageEnv, ...extra }));
    return realCluster(options, harness, server, binDir, imageEnv.CORRAL_IMAGE_DIR ?? null);
  } catch (err) {
    await server?.close().catch(() => undefined);
    await harness.destroy().catch(() => undefined);
    throw err;
  }
}

function realCluster(options: RealClusterOptions, harness: HostHarness, server: InProcessServer, binDir: string, imageDir: string | null): RealCluster {
  const admin = apiClient(server.url, server.adminKey);
  const kubeconfigFile = join(harness.workDir, `${options.env}.kubeconfig`);
  const agents: HostProcess[] = [];
  const kubectlWith: RealCluster['kubectlWith'] = async (kubeconfig, args, opts = {}) =>
    (await execFileAsync(opts.binary ?? join(binDir, 'kubectl'), ['--kubeconfig', kubeconfig, `--request-timeout=${opts.requestTimeout ?? '20s'}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
  const kubectl = (...args: string[]) => kubectlWith(kubeconfigFile, args);
  const diagnose = async () => {
    const view = (await admin.get(`/v1/environments/${options.env}`)).body;
    const pods = await kubectl('get', 'pods', '-A', '-o', 'wide').catch((err: Error) => err.message);
    return `state ${view.state}; conditions ${JSON.stringify(view.conditions?.filter((c: { status: string }) => c.status !== 'True'))}\n${pods}`;
  };
  const startAgent: RealCluster['startAgent'] = (host, token, opts = {}) => {
    const agent = harness.startProcess(host, agentArgv(host, { server: server.urlAt(harness.serverAddress), token, binDir, hostname: opts.hostname ?? `node-${host.index + 1}`, extraArgs: options.agentArgs }), { name: 'agent' });
    agents.push(agent);
    return agent;
  };
  return {
    harness,
    server,
    admin,
    binDir,
    kubeconfigFile,
    imageDir,
    agents,
    kubectlWith,
    kubectl,
    kubectlJson: async (...args) => JSON.parse(await kubectl(...args, '-o', 'json')),
    diagnose,
    withDiagnosis: (p) =>
      p.catch(async (err) => {
        throw new Error(`${(err as Error).message}\n${await diagnose()}`);
      }),
    startAgent,
    async createActive(opts = {}) {
      const started = Date.now();
      const { token } = await createActiveEnvironment(admin, {
        name: options.env,
        etcdMembers: 3,
        hosts: opts.tokenUses ?? harness.hosts.length,
        startAgents: (token: string) => harness.hosts.forEach((host) => startAgent(host, token)),
        timeoutMs: 300_000,
        diagnose: opts.diagnose ?? diagnose,
      });
      const activeAfterMs = Date.now() - started;
      const kubeconfig = await admin.get(`/v1/environments/${options.env}/kubeconfig${opts.kubeconfig === 'direct' ? '?endpoint=direct' : ''}`);
      if (kubeconfig.status !== 200) throw new Error(`kubeconfig of ${options.env}: ${kubeconfig.status} ${JSON.stringify(kubeconfig.body)}`);
      writeFileSync(kubeconfigFile, kubeconfig.body, { mode: 0o600 });
      return { token, activeAfterMs };
    },
    async stop() {
      await harness.destroy().catch(() => undefined);
      await server.close();
    },
  };
}
