import { join } from 'node:path';
import { type KubeClient, type LimitCluster, type LimitMilestone, kubeClient } from '@corral/bench';
import type { CorralMilestone, CorralRunContext } from './corral-run';

/**
 * Issue 10's second figure: POST → a 3-replica Deployment Available, beside its physical limit.
 * On both sides the Deployment is created the moment the apiserver (the one the admin
 * kubeconfig names) accepts it, and timed until status.availableReplicas is 3; the images come
 * from Corral (no registry), the pods run on Corral's pod network.
 */
export const DEPLOYMENT_MILESTONE = '3-replica Deployment Available';
/** steps marked on the way, on both sides where they apply */
export const STEP_KUBECONFIG = 'kubeconfig from the API';
export const STEP_ACCEPTED = 'Deployment accepted';
export const STEP_IMAGES = 'images imported (last host)';
export const STEP_CIDRS = 'Node pod CIDRs written';

const BUSYBOX = 'corral.local/busybox:1.35.0';
const NAME = 'tta-httpd';
const REPLICAS = 3;
const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: NAME, namespace: 'default' },
  spec: {
    replicas: REPLICAS,
    selector: { matchLabels: { app: NAME } },
    template: {
      metadata: { labels: { app: NAME } },
      spec: { containers: [{ name: 'httpd', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['httpd', '-f', '-p', '8080'] }] },
    },
  },
};
const DEPLOYMENT_TIMEOUT_MS = 240_000;
/** how often each side asks the apiserver (one kept-alive connection; the same on both sides) */
const POLL_MS = 100;
/** how often the Corral side asks its server for the kubeconfig */
const KUBECONFIG_POLL_MS = 200;

interface Steps {
  signal: AbortSignal;
  mark(name: string): void;
}

/** Creates the Deployment as soon as the apiserver accepts it, then waits until all its replicas are available. */
async function deploymentAvailable(client: KubeClient, { signal, mark }: Steps): Promise<void> {
  const deadline = Date.now() + DEPLOYMENT_TIMEOUT_MS;
  let last = '';
  const tick = async () => {
    if (signal.aborted) throw new Error('stopped');
    if (Date.now() > deadline) throw new Error(`not done within ${DEPLOYMENT_TIMEOUT_MS / 1000} s (last: ${last}); ${await describePods(client)}`);
    await sleep(POLL_MS);
  };
  for (;;) {
    try {
      const r = await client.request('POST', '/apis/apps/v1/namespaces/default/deployments', DEPLOYMENT);
      // 409: an earlier attempt that timed out on our side went through
      if (r.status === 201 || r.status === 409) break;
      last = `create: HTTP ${r.status} ${r.body?.message ?? ''}`;
    } catch (err) {
      last = `create: ${(err as Error).message}`;
    }
    await tick();
  }
  mark(STEP_ACCEPTED);
  for (;;) {
    try {
      const r = await client.request('GET', `/apis/apps/v1/namespaces/default/deployments/${NAME}`);
      if (r.status === 200 && r.body.status?.availableReplicas === REPLICAS) return;
      last = r.status === 200 ? `available ${r.body.status?.availableReplicas ?? 0} of ${REPLICAS}` : `get: HTTP ${r.status}`;
    } catch (err) {
      last = `get: ${(err as Error).message}`;
    }
    await tick();
  }
}

async function describePods(client: KubeClient): Promise<string> {
  try {
    const r = await client.request('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${NAME}`);
    const pods = (r.body.items ?? []) as any[];
    const one = (p: any) => {
      const waiting = (p.status.containerStatuses ?? []).map((c: any) => c.state?.waiting?.reason).filter(Boolean);
      const unscheduled = (p.status.conditions ?? []).find((c: any) => c.type === 'PodScheduled' && c.status !== 'True');
      return `${p.metadata.name} on ${p.spec.nodeName ?? '-'}: ${p.status.phase}${waiting.length ? ` (${waiting.join(', ')})` : ''}${unscheduled ? ` (${unscheduled.message})` : ''}`;
    };
    return pods.length ? `pods: ${pods.map(one).join('; ')}` : 'no pods';
  } catch (err) {
    return `pods unknown: ${(err as Error).message}`;
  }
}

/**
 * Corral's side: what a user does right after the POST. The kubeconfig from the API as soon as
 * it gives one (once the apiservers are placed), then the Deployment through it. The images are
 * Corral's: the server imported CORRAL_IMAGE_DIR at start, each agent imports them into its
 * host's containerd once it is healthy (ImageImported events); the server writes the Nodes' pod
 * CIDRs.
 */
export const corralDeploymentMilestone: CorralMilestone = {
  name: DEPLOYMENT_MILESTONE,
  async run(ctx: CorralRunContext): Promise<void> {
    let kubeconfig: string | undefined;
    const deadline = Date.now() + DEPLOYMENT_TIMEOUT_MS;
    while (kubeconfig === undefined) {
      if (ctx.signal.aborted) throw new Error('stopped');
      const r = await ctx.server.request('GET', `/v1/environments/${ctx.environment}/kubeconfig`);
      if (r.status === 200 && typeof r.body === 'string') kubeconfig = r.body;
      else if (Date.now() > deadline) throw new Error(`no kubeconfig within ${DEPLOYMENT_TIMEOUT_MS / 1000} s: HTTP ${r.status}`);
      else await sleep(KUBECONFIG_POLL_MS);
    }
    ctx.mark(STEP_KUBECONFIG);
    const client = kubeClient(kubeconfig);
    try {
      await deploymentAvailable(client, ctx);
    } finally {
      client.close();
    }
  },
};

/** the containerd socket as the spec names it (containerdSocket('containerd'): ${dataDir}/containerd.sock) */
function containerdSocketOf(cluster: LimitCluster, i: number, containerdName: string): string {
  return join(cluster.runtimes[i]!.stateDir, 'data', containerdName, 'containerd.sock');
}

/**
 * The limit's side, from t0 beside the components, doing by hand what Corral's server and agents
 * do: each worker's containerd gets the image archives the moment it is healthy (`ctr images
 * import` inside the host, one archive after the other, as the agent runs it — less the
 * download from the server), each Node gets its pod CIDR the moment it exists once its kubelet
 * is healthy (as the server writes it), and the Deployment goes in through plan.adminKubeconfig()
 * as soon as that apiserver accepts it.
 */
export function limitDeploymentMilestone(imageArchives: string[]): LimitMilestone {
  return {
    name: DEPLOYMENT_MILESTONE,
    async run(cluster: LimitCluster): Promise<void> {
      const harness = cluster.harness;
      if (!harness) throw new Error('needs node hosts (the real binaries)');
      const ctr = join(cluster.binDir, 'ctr');
      const imports = Promise.all(
        cluster.plan.hosts.map(async (host, i) => {
          const containerd = host.specs.find((s) => s.kind === 'containerd');
          if (!containerd) return;
          await cluster.healthy(host.hostname, 'containerd');
          const socket = containerdSocketOf(cluster, i, containerd.name);
          for (const file of imageArchives) {
            if (cluster.signal.aborted) throw new Error('stopped');
            // as apps/agent/src/images/ctr.ts ctrImportArgs
            const r = await harness.exec(harness.hosts[i]!, [ctr, '--address', socket, '--namespace', 'k8s.io', 'images', 'import', '--local', '--label', 'io.cri-containerd.pinned=pinned', file], { timeoutMs: 120_000 });
            if (r.code !== 0) throw new Error(`ctr images import ${file} on ${host.hostname}: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
          }
        }),
      ).then(() => cluster.mark(STEP_IMAGES));
      const client = kubeClient(cluster.plan.adminKubeconfig());
      try {
        const cidrs = Promise.all(
          cluster.plan.hosts.filter((h) => h.podCidr).map(async (host) => {
            await cluster.healthy(host.hostname, 'kubelet');
            await writePodCidr(client, host.hostname, host.podCidr!, cluster.signal);
          }),
        ).then(() => cluster.mark(STEP_CIDRS));
        const deployment = deploymentAvailable(client, cluster);
        // each awaited to the end; the first failure is the one reported
        const results = await Promise.allSettled([imports, cidrs, deployment]);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      } finally {
        client.close();
      }
    },
  };
}

/** as ClusterBootstrapService.ensureNodeCidrs, polling for the Node to register */
async function writePodCidr(client: KubeClient, node: string, cidr: string, signal: AbortSignal): Promise<void> {
  const path = `/api/v1/nodes/${encodeURIComponent(node)}`;
  const deadline = Date.now() + DEPLOYMENT_TIMEOUT_MS;
  let last = '';
  for (;;) {
    if (signal.aborted) throw new Error('stopped');
    try {
      const r = await client.request('GET', path);
      if (r.status === 200) {
        const current = r.body.spec?.podCIDR as string | undefined;
        if (current === cidr) return;
        if (current) throw new Error(`Node ${node} has pod CIDR ${current}, not ${cidr}`);
        const patched = await client.request('PATCH', path, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'application/merge-patch+json');
        if (patched.status === 200) return;
        last = `patch: HTTP ${patched.status}`;
      } else {
        last = `get: HTTP ${r.status}`;
      }
    } catch (err) {
      if ((err as Error).message.startsWith('Node ')) throw err;
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`pod CIDR of Node ${node} not written within ${DEPLOYMENT_TIMEOUT_MS / 1000} s (last: ${last})`);
    await sleep(POLL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
